package dev.athanor.cli.submit;

import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;

import java.util.List;

/** The input file (or a {@code --set}) is not a valid job submission; exit code 2. */
public class InvalidInputException extends CliException {
    public InvalidInputException(List<String> lines) {
        super(ExitCodes.INVALID, lines);
    }

    public InvalidInputException(String line) {
        super(ExitCodes.INVALID, line);
    }
}
