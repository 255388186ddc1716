package dev.athanor.cli;

import java.util.List;

/** A failure the CLI reports as lines on stderr and an exit code, without a stack trace. */
public class CliException extends RuntimeException {
    private final int exitCode;
    private final List<String> lines;

    public CliException(int exitCode, String message) {
        this(exitCode, List.of(message));
    }

    public CliException(int exitCode, List<String> lines) {
        super(String.join("\n", lines));
        this.exitCode = exitCode;
        this.lines = List.copyOf(lines);
    }

    public int exitCode() {
        return exitCode;
    }

    /** The lines to print on stderr, in order. */
    public List<String> lines() {
        return lines;
    }
}
