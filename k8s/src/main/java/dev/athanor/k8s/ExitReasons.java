package dev.athanor.k8s;

/** The classified reasons the Kubernetes launcher puts in {@link dev.athanor.common.launch.AttemptExit#reason()}. */
public final class ExitReasons {
    public static final String COMPLETED = "Completed";
    public static final String ERROR = "Error";
    public static final String OOM_KILLED = "OOMKilled";
    public static final String EVICTED = "Evicted";
    public static final String PREEMPTED = "Preempted";
    public static final String LOST = "Lost";
    public static final String POD_DELETED = "PodDeleted";
    public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
    public static final String IMAGE_PULL_BACK_OFF = "ImagePullBackOff";
    public static final String ERR_IMAGE_PULL = "ErrImagePull";
    public static final String INVALID_IMAGE_NAME = "InvalidImageName";
    public static final String CONTAINER_CONFIG_ERROR = "CreateContainerConfigError";
    public static final String TERMINATED = "Terminated";
    /** Pending reason (never an exit): the scheduler found no node; the message is the scheduler's own. */
    public static final String UNSCHEDULABLE = "Unschedulable";

    /**
     * Pseudo exit code of an attempt that retrying cannot help (the image cannot be pulled, a secret key is
     * missing); equal to the control plane's {@code ExitPolicy.EXIT_LAUNCH_REFUSED}.
     */
    public static final int EXIT_NOT_RETRYABLE = -2;
    /** Exit code when the worker's own code is unknown (pod deleted, node lost). */
    public static final int EXIT_UNKNOWN = -1;
    /**
     * Exit code of an attempt whose pods were never created (the API server refused a create; retrying may help):
     * no worker ran, so no result event will come and the control plane need not wait for one.
     */
    public static final int EXIT_NOT_STARTED = -3;

    private ExitReasons() {
    }
}
