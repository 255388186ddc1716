package dev.athanor.worker.engine;

/** An engine failed; the message goes to the user as is (RESULT FAILED, exit code 1). */
public class EngineException extends RuntimeException {
    public EngineException(String message) {
        super(message);
    }

    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
