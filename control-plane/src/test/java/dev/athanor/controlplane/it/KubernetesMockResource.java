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
    /** Pod creates still to refuse with a ResourceQuota 403 (a transient launch refusal), set by tests. */
    static final java.util.concurrent.atomic.AtomicInteger refusePodCreates = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public Map<String, String> start() {
        server = new KubernetesMockServer(new io.fabric8.mockwebserver.Context(), new MockWebServer(), new HashMap<>(),
                new RefusingDispatcher(), false);
        server.init();
        client = server.createClient();
        Map<String, String> c = new HashMap<>();
        c.put("athanor.launcher.kind", "kubernetes");
        c.put("athanor.kubernetes.master-url", client.getMasterUrl().toString());
        c.put("athanor.kubernetes.namespace", "athanor-test");
        c.put("athanor.kubernetes.image", "athanor/worker:test");
        c.put("athanor.kubernetes.identity", "replica-a");
        c.put("athanor.kubernetes.priority-classes.HIGH", "athanor-high");
        // the keys the Helm chart renders for per-kind images and shared volumes (helm/athanor/templates/configmap.yaml)
        c.put("athanor.kubernetes.engine-images.EVALUATION", "athanor/worker-eval:test");
        c.put("athanor.kubernetes.volumes.datasets.claim-name", "athanor-datasets");
        c.put("athanor.kubernetes.volumes.datasets.mount-path", "/data");
        c.put("athanor.kubernetes.volumes.datasets.read-only", "true");
        c.put("athanor.kubernetes.volumes.outputs.claim-name", "athanor-outputs");
        c.put("athanor.kubernetes.volumes.outputs.mount-path", "/outputs");
        c.put("athanor.kubernetes.volumes.outputs.read-only", "false");
        c.put("quarkus.log.category.\"io.fabric8.mockwebserver\".level", "WARN");
        c.put("athanor.dispatch.refusal-backoff", "1s");
        // path roots (issue 8, defect 4): the worker pods get them to confine spec paths again
        c.put("athanor.paths.read-roots", "/");
        c.put("athanor.paths.write-roots", "/tmp");
        return c;
    }

    /** The CRUD dispatcher, except that it refuses the next {@link #refusePodCreates} pod creates as over quota. */
    static final class RefusingDispatcher extends KubernetesCrudDispatcher {
        @Override
        public io.fabric8.mockwebserver.http.MockResponse handleCreate(io.fabric8.mockwebserver.http.RecordedRequest r) {
            if (r.getPath().contains("/pods") && refusePodCreates.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return new io.fabric8.mockwebserver.http.MockResponse().setResponseCode(403).setBody("""
                        {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
                         "message": "pods is forbidden: exceeded quota: gpus, requested: requests.nvidia.com/gpu=1"}""");
            }
            return super.handleCreate(r);
        }
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
