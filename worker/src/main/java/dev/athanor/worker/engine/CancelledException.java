package dev.athanor.worker.engine;

/** Thrown by an engine that saw the cancellation flag; the worker then reports RESULT CANCELLED. */
public class CancelledException extends RuntimeException {
    public CancelledException(String reason) {
        super(reason);
    }
}
