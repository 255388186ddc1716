package dev.athanor.common.launch;

/**
 * The process contract between a launcher and the worker: environment variables every worker process receives.
 * The job itself (kind, spec, resources) is in the JSON file named by {@link #JOB_FILE} (a {@link WorkerJob}), or
 * inline in {@link #JOB_JSON} where a file cannot be mounted.
 */
public final class WorkerContract {
    public static final String JOB_ID = "ATHANOR_JOB_ID";
    public static final String ATTEMPT = "ATHANOR_ATTEMPT";
    public static final String WORKER_INDEX = "ATHANOR_WORKER_INDEX";
    public static final String JOB_FILE = "ATHANOR_JOB_FILE";
    public static final String JOB_JSON = "ATHANOR_JOB_JSON";
    public static final String KAFKA_BOOTSTRAP = "ATHANOR_KAFKA_BOOTSTRAP";
    public static final String EVENTS_TOPIC = "ATHANOR_EVENTS_TOPIC";
    public static final String WORK_DIR = "ATHANOR_WORK_DIR";
    public static final String HEARTBEAT_SECONDS = "ATHANOR_HEARTBEAT_SECONDS";
    /** Secrets are injected as {@code ATHANOR_SECRET_<NAME>} (upper case, '-' and '.' become '_'). */
    public static final String SECRET_PREFIX = "ATHANOR_SECRET_";
    public static final String CUDA_VISIBLE_DEVICES = "CUDA_VISIBLE_DEVICES";
    /** The attempt's event-signing key (base64url), handed over like a secret (ADR 0012). */
    public static final String EVENT_KEY = "ATHANOR_EVENT_KEY";

    /** Exit code of a worker whose last events (its RESULT) could not be delivered to the control plane. */
    public static final int EXIT_EVENTS_UNDELIVERED = 3;

    /** Exit code of a worker that stopped because it was asked to (SIGTERM): 128 + 15. */
    public static final int EXIT_TERMINATED = 143;

    private WorkerContract() {
    }

    public static String secretEnvName(String secretName) {
        return SECRET_PREFIX + secretName.toUpperCase(java.util.Locale.ROOT).replace('-', '_').replace('.', '_');
    }
}
