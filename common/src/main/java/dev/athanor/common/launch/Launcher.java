package dev.athanor.common.launch;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The launcher port: starts, stops and observes the worker processes of attempts. Implementations: local child
 * processes (control plane) and Kubernetes pods (module k8s).
 *
 * <p>Launches are idempotent by {@link AttemptKey}: launching an attempt that is already running does nothing, so a
 * control plane that crashed after recording its intent can safely launch again.
 */
public interface Launcher extends AutoCloseable {

    /** Short name for logs and the timeline, e.g. "local" or "kubernetes". */
    String name();

    /** Starts every worker of the attempt. */
    void launch(LaunchRequest request) throws LaunchException;

    /** Asks the attempt's workers to stop (SIGTERM or pod delete), killing them after {@code grace}. */
    void stop(AttemptKey key, Duration grace);

    /** Attempts this launcher currently has workers for. Used to reconcile after a restart. */
    Set<AttemptKey> active();

    /** Registers the one callback told when an attempt's workers have all stopped. */
    void onExit(Consumer<AttemptExit> listener);

    @Override
    default void close() {
    }
}
