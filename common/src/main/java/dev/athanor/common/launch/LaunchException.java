package dev.athanor.common.launch;

/** A launch that failed before any worker ran (bad image, no binary, API server refused). */
public class LaunchException extends Exception {
    private final boolean retryable;

    public LaunchException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    public boolean retryable() {
        return retryable;
    }
}
