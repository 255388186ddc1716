package dev.athanor.worker.event;

/** Events cannot be delivered (broker unreachable, delivery timed out, file not writable). */
public class EventSinkException extends RuntimeException {
    public EventSinkException(String message, Throwable cause) {
        super(message, cause);
    }

    public EventSinkException(String message) {
        super(message);
    }
}
