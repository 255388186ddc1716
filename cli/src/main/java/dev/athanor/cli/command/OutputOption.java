package dev.athanor.cli.command;

import picocli.CommandLine.Option;

/** {@code -o, --output table|json|yaml}. */
public final class OutputOption {
    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    public OutputFormat format = OutputFormat.table;
}
