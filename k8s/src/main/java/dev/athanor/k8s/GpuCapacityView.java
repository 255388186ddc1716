package dev.athanor.k8s;

import java.util.Map;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.util.concurrent.TimeUnit;

/**
 * A live {@link ClusterCapacity}: informers on Nodes and on all pods (every namespace: other workloads use GPUs
 * too). Needs list/watch on nodes and pods cluster-wide. Snapshots are computed on demand from the caches.
 */
public final class GpuCapacityView implements AutoCloseable {
    private final KubernetesClient client;
    private final KubernetesLauncherConfig config;
    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<Pod> pods;
    /** Bumped by every informer event: a snapshot computed at the same version is still exact. */
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();
    private volatile Cached cached = new Cached(-1, Map.of(), null);
    /**
     * Pods the launcher is about to create (by name), counted as unbound until the pod informer sees them, so a
     * capacity snapshot taken between the intent and the informer event does not offer their GPUs twice.
     */
    private final java.util.Map<String, Expected> expected = new java.util.concurrent.ConcurrentHashMap<>();
    private static final long EXPECTED_TTL_NANOS = TimeUnit.SECONDS.toNanos(30);

    private record Expected(Pod pod, long since) {
    }

    private record Cached(long version, Map<String, GpuFlavor> flavors, ClusterCapacity capacity) {
    }

    public GpuCapacityView(KubernetesClient client, KubernetesLauncherConfig config) {
        this.client = client;
        this.config = config;
    }

    public GpuCapacityView start() {
        nodes = client.nodes().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
        nodes.addEventHandler(new Bump<>());
        pods.addEventHandler(new Bump<>());
        try {
            nodes.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
            pods.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting capacity informers", e);
        } catch (Exception e) {
            throw new IllegalStateException("capacity informers did not sync: " + e.getMessage(), e);
        }
        return this;
    }

    /**
     * The capacity now. Computed from the caches only when an informer event arrived since the last computation
     * (the dispatcher asks several times per job it considers; each computation walks every pod and node).
     */
    public ClusterCapacity snapshot() {
        long v = version.get();
        Map<String, GpuFlavor> flavors = config.flavors();
        Cached c = cached;
        if (c.version() == v && c.flavors().equals(flavors)) {
            return c.capacity();
        }
        java.util.List<Pod> all = pods.getStore().list();
        if (!expected.isEmpty()) {
            all = new java.util.ArrayList<>(all);
            long now = System.nanoTime();
            for (java.util.Iterator<java.util.Map.Entry<String, Expected>> it = expected.entrySet().iterator(); it.hasNext(); ) {
                Expected e = it.next().getValue();
                Pod p = e.pod();
                if (pods.getStore().getByKey(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()) != null
                        || now - e.since() > EXPECTED_TTL_NANOS) {
                    it.remove(); // seen (the informer now counts it), or its create failed long ago
                } else {
                    all.add(p);
                }
            }
        }
        ClusterCapacity fresh = ClusterCapacity.of(nodes.getStore().list(), all, config);
        cached = new Cached(v, flavors, fresh);
        return fresh;
    }

    /** The launcher is about to create {@code launching}: count them from now on. */
    public void expect(java.util.List<Pod> launching) {
        long now = System.nanoTime();
        for (Pod p : launching) {
            expected.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), new Expected(p, now));
        }
        version.incrementAndGet();
    }

    private final class Bump<T> implements io.fabric8.kubernetes.client.informers.ResourceEventHandler<T> {
        @Override
        public void onAdd(T obj) {
            version.incrementAndGet();
        }

        @Override
        public void onUpdate(T oldObj, T newObj) {
            version.incrementAndGet();
        }

        @Override
        public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            version.incrementAndGet();
        }
    }

    @Override
    public void close() {
        if (nodes != null) {
            nodes.close();
        }
        if (pods != null) {
            pods.close();
        }
    }
}
