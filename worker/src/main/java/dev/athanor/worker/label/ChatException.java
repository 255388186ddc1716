package dev.athanor.worker.label;

/**
 * A chat-completions call that did not produce a reply.
 *
 * @see #fatal()
 */
public class ChatException extends Exception {
    private final int status;
    private final boolean fatal;

    public ChatException(int status, String message, boolean fatal) {
        super(message);
        this.status = status;
        this.fatal = fatal;
    }

    /** HTTP status, or 0 for a connection error. */
    public int status() {
        return status;
    }

    /** True when every further request would fail the same way (bad API key, unknown model): stop the job. */
    public boolean fatal() {
        return fatal;
    }
}
