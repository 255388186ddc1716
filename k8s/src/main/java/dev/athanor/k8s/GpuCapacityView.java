package dev.athanor.k8s;

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

    public GpuCapacityView(KubernetesClient client, KubernetesLauncherConfig config) {
        this.client = client;
        this.config = config;
    }

    public GpuCapacityView start() {
        nodes = client.nodes().runnableInformer(0);
        pods = client.pods().inAnyNamespace().runnableInformer(0);
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

    public ClusterCapacity snapshot() {
        return ClusterCapacity.of(nodes.getStore().list(), pods.getStore().list(), config);
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
