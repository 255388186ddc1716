package dev.athanor.clusterit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.embedded.Api;
import dev.athanor.embedded.RepoLayout;
import dev.athanor.k8s.cluster.LocalCluster;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The control plane driving worker pods on a real API server, end to end: a job submitted over the REST API (real
 * PostgreSQL) becomes a pod the control plane creates on kube-apiserver, kube-scheduler binds it to a simulated GPU
 * node, the simulated kubelet runs the real worker jar with the pod's command and environment, the worker reports
 * over real Kafka, and the job ends SUCCEEDED with its timeline. Then the failure cases: the scheduler's
 * Unschedulable message, a pod deleted mid-run, the control plane halted on either side of the pod create, and two
 * replicas failing over through the Lease. Control planes are child JVMs so they can be SIGKILLed.
 *
 * <p>Skipped (assumption) when the k8s binaries, the control-plane jar or the worker jar are missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ControlPlaneClusterIT {
    static final Duration LEASE = Duration.ofSeconds(4);
    /** Epochs of a fine-tune that runs a few seconds on the demo dataset; LONG ones run until stopped. */
    static final double SHORT = 1;
    static final double LONG = 10000;
    /** Runs some seconds (8,000 steps of the builtin trainer): long enough to outlive a leader. */
    static final double MEDIUM = 4000;

    static Path tmp;
    static ClusterStack stack;
    /** Every pod the API server ever had in the namespace: name → UIDs, and the field manager that created it. */
    static final Map<String, Set<String>> podUids = new ConcurrentHashMap<>();
    static final Map<String, String> podCreator = new ConcurrentHashMap<>();
    static SharedIndexInformer<Pod> podWatch;

    @BeforeAll
    static void start() throws Exception {
        LocalCluster.requireBinaries(); // missing binaries fail the suite; -DskipClusterTests leaves it out
        RepoLayout repo = RepoLayout.detect();
        Path cp = repo.controlPlaneJar();
        Path worker = repo.workerJar();
        assertTrue(Files.isRegularFile(cp), "control plane jar " + cp + " missing: ./mvnw -pl control-plane -am package");
        assertTrue(Files.isRegularFile(worker), "worker jar " + worker + " missing: ./mvnw -pl worker -am package");
        tmp = Files.createTempDirectory("athanor-cluster-it");
        stack = ClusterStack.start(new ClusterStack.Options(tmp, cp, worker, true,
                List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), LEASE), System.out);

        Path data = tmp.resolve("node-data");
        try (URLClassLoader cl = new URLClassLoader(new URL[]{worker.toUri().toURL()}, null)) {
            Class<?> demo = cl.loadClass("dev.athanor.worker.demo.DemoDataset");
            demo.getMethod("generate", Path.class, int.class, long.class).invoke(null, data.resolve("train"), 24, 1L);
        }
        stack.kubelet().addNode("gpu-a", "gp", 2, data);
        stack.kubelet().addNode("gpu-b", "gp", 2, data);
        stack.kubelet().addNode("gpu-c", "gp", 2, data);

        podWatch = stack.cluster().newClient().pods().inNamespace(ClusterStack.NAMESPACE)
                .inform(new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(Pod p) {
                        record(p);
                    }

                    @Override
                    public void onUpdate(Pod o, Pod p) {
                        record(p);
                    }

                    @Override
                    public void onDelete(Pod p, boolean unknown) {
                        record(p);
                    }
                }, 0);
        stack.startReplica("replica-a", Map.of());
    }

    static void record(Pod p) {
        podUids.computeIfAbsent(p.getMetadata().getName(), n -> ConcurrentHashMap.newKeySet()).add(p.getMetadata().getUid());
        String c = creator(p);
        if (c != null) {
            podCreator.putIfAbsent(p.getMetadata().getName(), c);
        }
    }

    /** The field manager of the pod's spec (the API server takes it from the creating client's user agent). */
    static String creator(Pod p) {
        if (p.getMetadata().getManagedFields() != null) {
            for (ManagedFieldsEntry m : p.getMetadata().getManagedFields()) {
                if (m.getSubresource() == null || m.getSubresource().isEmpty()) {
                    return m.getManager();
                }
            }
        }
        return null;
    }

    static String creatorOf(String podName) {
        return podCreator.get(podName);
    }

    @AfterAll
    static void stop() {
        if (podWatch != null) {
            podWatch.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (tmp != null && !Boolean.getBoolean("athanor.k8s.keep")) {
            LocalCluster.deleteTree(tmp);
        }
    }

    // ---------------------------------------------------------------------------------------------- helpers

    static String submit(Api api, String name, String memory, double epochs, int maxAttempts) throws Exception {
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("name", name);
        n.put("team", "vision");
        n.put("kind", "FINE_TUNE");
        ObjectNode r = n.putObject("resources");
        r.put("gpusPerWorker", 1);
        r.put("workers", 1);
        r.put("gpuType", "gp");
        r.put("cpu", 0.5);
        r.put("memory", memory);
        n.put("maxAttempts", maxAttempts);
        n.put("retryBackoffSeconds", 0);
        ObjectNode s = n.putObject("spec");
        s.put("dataset", "train/labels.jsonl");
        s.put("outputDir", "model");
        s.put("numTrainEpochs", epochs);
        ClusterStack.ensureTeams(api, java.util.List.of("vision"));
        Api.Response res = api.post("/api/v1/jobs", n);
        assertThat(res.status()).as(res.raw()).isEqualTo(201);
        return res.body().path("id").asText();
    }

    static Api api() {
        return stack.running().get(0).api();
    }

    static JsonNode job(String id) throws Exception {
        return api().job(id);
    }

    static String state(String id) throws Exception {
        return job(id).path("state").asText();
    }

    static List<JsonNode> timeline(String id) throws Exception {
        Api.Response r = api().get("/api/v1/jobs/" + id + "/timeline");
        List<JsonNode> out = new ArrayList<>();
        r.body().path("items").forEach(out::add);
        return out;
    }

    static List<Pod> pods(String jobId) {
        return stack.client().pods().inNamespace(ClusterStack.NAMESPACE).withLabel("athanor.dev/job", jobId)
                .list().getItems();
    }

    /** Pod names ever seen for the job (all attempts), each with how many distinct pods (UIDs) bore that name. */
    static Map<String, Integer> podHistory(String jobId) {
        String prefix = "ath-" + jobId.replace("-", "").substring(0, 20) + "-a";
        return podUids.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().size()));
    }

    static void awaitState(String id, String want, Duration max) {
        await().atMost(max).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> want.equals(state(id)));
    }

    static boolean running(String jobId) {
        return pods(jobId).stream().anyMatch(p -> "Running".equals(p.getStatus().getPhase()));
    }

    static String leaseHolder() {
        var l = stack.client().leases().inNamespace(ClusterStack.NAMESPACE).withName("athanor-control-plane").get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    static void onlyReplicaA() throws Exception {
        if (stack.running().size() != 1 || !stack.running().get(0).id().equals("replica-a")) {
            stack.stopReplicas();
            stack.startReplica("replica-a", Map.of());
        }
    }

    // ---------------------------------------------------------------------------------------------- cases

    @Test
    @Order(1)
    void aJobSubmittedOverTheApiRunsInAPodOnASimulatedGpuNodeAndSucceedsWithProgressOverKafka() throws Exception {
        onlyReplicaA();
        String id = submit(api(), "e2e", "512Mi", SHORT, 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> pods(id).stream()
                .anyMatch(p -> p.getSpec().getNodeName() != null));
        Pod pod = pods(id).get(0);
        assertThat(pod.getMetadata().getName()).endsWith("-a1-w0");
        assertThat(pod.getSpec().getNodeName()).startsWith("gpu-");
        assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits()).containsKey("nvidia.com/gpu");
        assertThat(creator(pod)).as(pod.getMetadata().getManagedFields().toString()).isEqualTo("athanor-replica-a");

        awaitState(id, "SUCCEEDED", Duration.ofSeconds(120));
        JsonNode j = job(id);
        assertThat(j.path("progress").path("fraction").asDouble()).as(j.toString()).isEqualTo(1.0);
        assertThat(j.path("attempt").asInt()).isEqualTo(1);
        List<String> to = timeline(id).stream().map(e -> e.path("to").asText()).toList();
        assertThat(to).containsSubsequence("ADMITTED", "LAUNCHING", "RUNNING", "SUCCEEDED");
        Api.Response metrics = api().get("/api/v1/jobs/" + id + "/metrics");
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.raw()).contains("loss");
        assertThat(podHistory(id)).containsExactly(Map.entry(pod.getMetadata().getName(), 1));
    }

    @Test
    @Order(2)
    void theSchedulersUnschedulableMessageReachesTheJobsTimeline() throws Exception {
        onlyReplicaA();
        // The control plane's own capacity view counts GPUs only; the nodes have 512Gi of memory: kube-scheduler
        // refuses the pod, and says why.
        String id = submit(api(), "too-big", "1000Gi", SHORT, 1);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> timeline(id).stream().anyMatch(e -> "Unschedulable".equals(e.path("reason").asText())));
        JsonNode entry = timeline(id).stream().filter(e -> "Unschedulable".equals(e.path("reason").asText()))
                .findFirst().orElseThrow();
        assertThat(entry.path("message").asText()).contains("Insufficient memory").contains("nodes are available");
        JsonNode j = job(id);
        assertThat(j.path("state").asText()).isEqualTo("LAUNCHING");
        assertThat(j.path("message").asText()).contains("Insufficient memory");
        assertThat(pods(id)).singleElement().satisfies(p -> assertThat(p.getSpec().getNodeName()).isNull());

        assertThat(api().post("/api/v1/jobs/" + id + "/cancel", "{}").status()).isEqualTo(202);
        awaitState(id, "CANCELLED", Duration.ofSeconds(60));
        await().atMost(Duration.ofSeconds(30)).until(() -> pods(id).isEmpty());
    }

    @Test
    @Order(3)
    void aWorkerPodDeletedMidRunIsRetriedAsANewAttempt() throws Exception {
        onlyReplicaA();
        String id = submit(api(), "deleted", "512Mi", LONG, 2);
        awaitState(id, "RUNNING", Duration.ofSeconds(90));
        String first = pods(id).get(0).getMetadata().getName();
        assertThat(first).endsWith("-a1-w0");
        stack.client().pods().inNamespace(ClusterStack.NAMESPACE).withName(first).withGracePeriod(1).delete();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                .until(() -> job(id).path("attempt").asInt() == 2 && running(id));
        assertThat(pods(id)).extracting(p -> p.getMetadata().getName()).allMatch(n -> n.endsWith("-a2-w0"));
        List<JsonNode> tl = timeline(id);
        assertThat(tl).anyMatch(e -> "RETRYING".equals(e.path("to").asText()) && e.path("attempt").asInt() == 1);
        assertThat(podHistory(id)).containsOnlyKeys(first, first.replace("-a1-", "-a2-"))
                .allSatisfy((name, uids) -> assertThat(uids).isEqualTo(1));

        assertThat(api().post("/api/v1/jobs/" + id + "/cancel", "{}").status()).isEqualTo(202);
        awaitState(id, "CANCELLED", Duration.ofSeconds(60));
    }

    @Test
    @Order(4)
    void aControlPlaneHaltedBetweenIntentAndCreateCreatesThePodExactlyOnceAfterRestart() throws Exception {
        crashAndRecover("after-intent", 0);
    }

    @Test
    @Order(5)
    void aControlPlaneHaltedBetweenCreateAndRecordingItNeitherDuplicatesNorLosesThePod() throws Exception {
        crashAndRecover("after-create", 1);
    }

    private void crashAndRecover(String point, int podsAtCrash) throws Exception {
        onlyReplicaA();
        Api before = api();
        stack.stopReplicas();
        ClusterStack.Replica crashing = stack.launchReplica("crash-" + point,
                Map.of("ATHANOR_TEST_CRASH_POINT", point));
        crashing.process().awaitReady(Duration.ofSeconds(180));
        String id = submit(crashing.api(), "crash-" + point, "512Mi", SHORT, 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> !crashing.alive());
        assertThat(crashing.process().process().exitValue()).isEqualTo(137);
        assertThat(pods(id)).hasSize(podsAtCrash);

        stack.startReplica("replica-a", Map.of());
        awaitState(id, "SUCCEEDED", Duration.ofSeconds(120));
        assertThat(job(id).path("attempt").asInt()).isEqualTo(1);
        String name = pods(id).isEmpty() ? null : pods(id).get(0).getMetadata().getName();
        Map<String, Integer> history = podHistory(id);
        assertThat(history).as("pods of job %s (before: %s)", id, before.baseUrl()).hasSize(1);
        assertThat(history.values()).containsExactly(1);
        if (name != null) {
            assertThat(history).containsKey(name);
        }
        // after-intent: the restarted replica created it; after-create: the halted one did, and it was adopted
        String creator = creatorOf(history.keySet().iterator().next());
        assertThat(creator).isEqualTo(podsAtCrash == 0 ? "athanor-replica-a" : "athanor-crash-" + point);
    }

    @Test
    @Order(6)
    void twoReplicasOnlyTheLeaseHolderCreatesPodsAndTheOtherTakesOverWhenItIsKilled() throws Exception {
        stack.stopReplicas();
        stack.startReplica("replica-a", Map.of());
        await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(leaseHolder()));
        ClusterStack.Replica b = stack.startReplica("replica-b", Map.of());
        ClusterStack.Replica a = stack.replica("replica-a");

        // submitted through the follower: both serve the API, only the leader acts
        List<String> early = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            early.add(submit(b.api(), "ha-" + i, "512Mi", MEDIUM, 1));
        }
        await().atMost(Duration.ofSeconds(90)).until(() -> early.stream().allMatch(ControlPlaneClusterIT::running));
        for (String id : early) {
            assertThat(creatorOf(pods(id).get(0).getMetadata().getName())).isEqualTo("athanor-replica-a");
        }

        a.kill();
        List<String> late = new ArrayList<>();
        for (int i = 3; i < 5; i++) {
            late.add(submit(b.api(), "ha-" + i, "512Mi", SHORT, 1));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> "replica-b".equals(leaseHolder()));
        for (String id : late) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                    .until(() -> "SUCCEEDED".equals(b.api().job(id).path("state").asText()));
            assertThat(creatorOf(pods(id).get(0).getMetadata().getName())).isEqualTo("athanor-replica-b");
        }
        // the runs the killed leader started were adopted by the new one, which settles them
        for (String id : early) {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                    .until(() -> "SUCCEEDED".equals(b.api().job(id).path("state").asText()));
        }
        for (String id : concat(early, late)) {
            assertThat(b.api().job(id).path("attempt").asInt()).isEqualTo(1);
            assertThat(podHistory(id)).hasSize(1).allSatisfy((n, uids) -> assertThat(uids).isEqualTo(1));
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(b);
        return l;
    }
}
