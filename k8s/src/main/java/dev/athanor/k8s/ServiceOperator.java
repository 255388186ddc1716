package dev.athanor.k8s;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.net.HttpURLConnection;
import java.util.Map;

/** Thin adapter over the Fabric8 client for the headless services of multi-worker attempts. */
public class ServiceOperator {
    private final KubernetesClient client;
    private final String namespace;

    public ServiceOperator(KubernetesClient client, String namespace) {
        this.client = client;
        this.namespace = namespace;
    }

    /** Creates the service; an existing one of the same name is success. */
    public void createIfAbsent(Service service) {
        try {
            client.services().inNamespace(namespace).resource(service).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
        }
    }

    public Service get(String name) {
        return client.services().inNamespace(namespace).withName(name).get();
    }

    public void delete(String name) {
        client.services().inNamespace(namespace).withName(name).delete();
    }

    public void deleteAll(Map<String, String> labels) {
        client.services().inNamespace(namespace).withLabels(labels).delete();
    }
}
