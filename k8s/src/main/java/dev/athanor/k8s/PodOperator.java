package dev.athanor.k8s;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.HttpURLConnection;
import java.util.List;
import java.util.Map;

/** Thin adapter over the Fabric8 client for pods: idempotent create, delete with a grace period, list. */
public class PodOperator {
    private final KubernetesClient client;
    private final String namespace;

    public PodOperator(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /**
     * Creates the pod; an existing pod of the same name is success (a retried create after a crash), and returned.
     *
     * @return the pod as the API server has it
     */
    public Pod createIfAbsent(Pod pod) {
        try {
            return client.pods().inNamespace(namespace).resource(pod).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                Pod existing = get(pod.getMetadata().getName());
                if (existing != null) {
                    return existing;
                }
            }
            throw e;
        }
    }

    public Pod get(String name) {
        return client.pods().inNamespace(namespace).withName(name).get();
    }

    public List<Pod> list(Map<String, String> labels) {
        return client.pods().inNamespace(namespace).withLabels(labels).list().getItems();
    }

    /** Deletes one pod with {@code graceSeconds}; a pod that is already gone is fine. */
    public void delete(String name, long graceSeconds) {
        client.pods().inNamespace(namespace).withName(name).withGracePeriod(graceSeconds).delete();
    }

    /** Deletes every pod with these labels with {@code graceSeconds}. */
    public void deleteAll(Map<String, String> labels, long graceSeconds) {
        client.pods().inNamespace(namespace).withLabels(labels).withGracePeriod(graceSeconds).delete();
    }

    /** The last lines of a pod's log, or an empty list when the log cannot be read (no kubelet, pod gone). */
    public List<String> tailLog(String name, int lines) {
        try {
            String log = client.pods().inNamespace(namespace).withName(name).inContainer(WorkerPodModel.CONTAINER)
                    .tailingLines(lines).getLog();
            return PodStates.tail(log, lines);
        } catch (RuntimeException e) {
            return List.of();
        }
    }
}
