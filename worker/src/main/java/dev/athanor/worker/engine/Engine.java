package dev.athanor.worker.engine;

/**
 * One way of doing one kind of job (classical augmentation, labeling through a VLM server, ...). An engine does real
 * work on real files, reports through {@link EngineContext#reporter()}, and checks
 * {@link EngineContext#cancellation()} between units of work.
 */
public interface Engine {

    /** The engine's name as written in the spec's {@code engine} field. */
    String name();

    /**
     * Runs the job to the end.
     *
     * @return the outcome for the RESULT event
     * @throws CancelledException   when the cancellation flag was seen
     * @throws JobRejectedException when the spec cannot be run at all (exit code 2)
     * @throws EngineException      for any other failure, with a message fit for a user (exit code 1)
     */
    EngineOutcome run(EngineContext context) throws Exception;
}
