package dev.athanor.cli.http;

import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;

/** No connection to the Athanor server could be made. */
public class UnreachableException extends CliException {
    public UnreachableException(String server) {
        super(ExitCodes.UNREACHABLE, "cannot reach Athanor at " + server + " (is it running? start it with ./athanor up)");
    }
}
