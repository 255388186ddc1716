package dev.athanor.cli;

import picocli.CommandLine.Option;

/** {@code --server} and {@code --token}, accepted before or after the subcommand name. */
public final class GlobalOptions {
    @Option(names = "--server", paramLabel = "URL",
            description = "Athanor control plane URL (default: $ATHANOR_SERVER or " + AthanorCli.DEFAULT_SERVER + ").")
    public String server;

    @Option(names = "--token", paramLabel = "TOKEN",
            description = "API token sent as 'Authorization: Bearer' (default: $ATHANOR_TOKEN, else ~/.athanor/admin-token; "
                    + "prefer the variable: options show in ps).")
    public String token;
}
