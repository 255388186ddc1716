package dev.athanor.cli;

/** The exit codes of every athanor command. */
public final class ExitCodes {
    /** Success; for {@code watch}: the job SUCCEEDED. */
    public static final int OK = 0;
    /** The operation failed (server error, conflict, forbidden), or the watched job FAILED or was CANCELLED. */
    public static final int FAILED = 1;
    /** Bad usage or invalid input (unknown option, invalid job file, 400 from the server). */
    public static final int INVALID = 2;
    /** The Athanor server cannot be reached. */
    public static final int UNREACHABLE = 3;
    /** The job (or other resource) does not exist. */
    public static final int NOT_FOUND = 4;

    private ExitCodes() {
    }
}
