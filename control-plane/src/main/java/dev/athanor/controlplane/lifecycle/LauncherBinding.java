package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.Launcher;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The launcher the control plane drives, with what the dispatcher needs beyond the port: current free capacity
 * and the exits discovered while recovering after a restart.
 */
public interface LauncherBinding {

    Launcher launcher();

    /** Where this launcher's team secrets live (files for the local launcher, Secrets on Kubernetes). */
    dev.athanor.common.secret.SecretStore secrets();

    /** Whether {@code r} fits the launcher's free capacity right now (all workers at once). */
    boolean fitsNow(Resources r);

    /**
     * Whether this replica may act (launch, stop, settle) now: always for the local launcher; only while holding
     * the leader Lease on Kubernetes. Observing and serving the API never need it.
     */
    default boolean acting() {
        return true;
    }

    /** Why a launched attempt is not running yet, e.g. the Kubernetes scheduler's Unschedulable message. */
    record PendingNotice(AttemptKey key, String reason, String message) {
    }

    /** Registers the callback told why launched attempts wait (no-op for launchers that start at once). */
    default void onPending(java.util.function.Consumer<PendingNotice> listener) {
    }

    /** Whether anything at all could start now (a free GPU or CPU slot). */
    boolean anyFree();

    /**
     * Null if {@code r} can ever fit this launcher; otherwise why it never will. Judged from every machine the
     * launcher knows, available now or not: a capacity dip must make jobs wait ({@link #waitsFor}), never fail them.
     */
    String neverFits(Resources r);

    /** Why a job that can fit some day cannot start now because capacity is unavailable (not merely busy), or null. */
    default String waitsFor(Resources r) {
        return null;
    }

    /** Short description of free capacity, for "why pending" messages. */
    String describeFree();

    /**
     * Re-attaches to workers left by a previous control plane. Exits of workers that are gone are reported through
     * the launcher's exit listener, except for attempts {@code alreadyFinished} accepts.
     *
     * @return the attempts whose exits were (or will be) reported
     */
    Set<AttemptKey> recover(Predicate<AttemptKey> alreadyFinished);

    /**
     * The launcher's GPU nodes with their real free GPUs, as the scheduling core sees them. {@code catalog} names the
     * flavors configured through the API: a launcher that discovers GPU models (local) names a node's flavor after
     * the catalog entry its GPUs match.
     */
    List<dev.athanor.scheduler.Node> gpuNodes(Collection<String> catalog);

    /** The node flavor that serves a job asking for {@code gpuType} (null: any flavor). */
    default String flavorFor(String gpuType, Collection<String> catalog) {
        return gpuType;
    }

    /** Node names holding a live attempt's workers, in worker order, when the launcher knows them. */
    default List<String> placement(AttemptKey key) {
        return List.of();
    }
}
