package dev.athanor.k8s;

import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.Launcher;

import java.util.Set;
import java.util.function.Predicate;

/**
 * What the control plane's {@code LauncherBinding} needs, for Kubernetes, as a plain class with the same method
 * signatures: the control plane adapts it with a one-line delegate per method (this module cannot depend on the
 * control plane).
 */
public final class KubernetesLauncherBinding implements AutoCloseable {
    private final KubernetesLauncher launcher;
    private final GpuCapacityView capacity;

    public KubernetesLauncherBinding(KubernetesLauncher launcher, GpuCapacityView capacity) {
        this.launcher = launcher;
        this.capacity = capacity;
        launcher.onLaunching(capacity::expect);
    }

    public Launcher launcher() {
        return launcher;
    }

    public KubernetesLauncher kubernetesLauncher() {
        return launcher;
    }

    public ClusterCapacity capacity() {
        return capacity.snapshot();
    }

    /** All workers of {@code r} can be placed now, each on one node with enough free GPUs of its type. */
    public boolean fitsNow(Resources r) {
        return capacity.snapshot().fits(r);
    }

    /**
     * Always true: CPU-only workers are placed by the Kubernetes scheduler, not by free GPUs, so the dispatcher must
     * not stop scanning when the GPUs are full ({@link #fitsNow} still holds GPU jobs back). Free GPUs alone:
     * {@code capacity().anyFree()}.
     */
    public boolean anyFree() {
        return true;
    }

    public String neverFits(Resources r) {
        return capacity.snapshot().neverFits(r);
    }

    /** Why a job that could fit some day waits for unavailable nodes, or null (see {@link ClusterCapacity#waitsFor}). */
    public String waitsFor(Resources r) {
        return capacity.snapshot().waitsFor(r);
    }

    public String describeFree() {
        return capacity.snapshot().describe();
    }

    /** @return the attempts whose exits were reported (see {@link KubernetesLauncher#recover}) */
    public Set<AttemptKey> recover(Predicate<AttemptKey> alreadyFinished) {
        return launcher.recover(alreadyFinished).reported();
    }

    @Override
    public void close() {
        launcher.close();
        capacity.close();
    }
}
