package dev.athanor.controlplane.it;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.MockWebServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Fabric8's mock API server in CRUD mode for the fast Kubernetes tests of the control plane. It stores and watches
 * objects but schedules nothing and runs no kubelet: tests write pod statuses themselves. The real API server,
 * scheduler and etcd are exercised by the k8s module's cluster suite (-Pk8s-cluster).
 */
public class KubernetesMockResource implements QuarkusTestResourceLifecycleManager {
    static KubernetesMockServer server;
    static KubernetesClient client;

    @Override
    public Map<String, String> start() {
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(), false);
        server.init();
        client = server.createClient();
        Map<String, String> c = new HashMap<>();
        c.put("athanor.launcher.kind", "kubernetes");
        c.put("athanor.kubernetes.master-url", client.getMasterUrl().toString());
        c.put("athanor.kubernetes.namespace", "athanor-test");
        c.put("athanor.kubernetes.image", "athanor/worker:test");
        c.put("athanor.kubernetes.identity", "replica-a");
        c.put("athanor.kubernetes.priority-classes.HIGH", "athanor-high");
        c.put("quarkus.log.category.\"io.fabric8.mockwebserver\".level", "WARN");
        return c;
    }

    @Override
    public void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }
}
