package dev.athanor.worker.engine;

/** The job or its spec cannot be run (unknown engine, missing required field): RESULT FAILED, exit code 2. */
public class JobRejectedException extends RuntimeException {
    public JobRejectedException(String message) {
        super(message);
    }
}
