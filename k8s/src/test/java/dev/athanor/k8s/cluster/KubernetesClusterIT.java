package dev.athanor.k8s.cluster;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.k8s.ClusterCapacity;
import dev.athanor.k8s.GpuCapacityView;
import dev.athanor.k8s.KubernetesLauncher;
import dev.athanor.k8s.KubernetesLauncherConfig;
import dev.athanor.k8s.Labels;
import dev.athanor.k8s.LeaderElection;
import dev.athanor.k8s.PendingReport;
import dev.athanor.k8s.WorkerPodModel;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher against a real etcd + kube-apiserver + kube-scheduler (built by k8s-cluster/build.sh) with simulated
 * GPU nodes whose "kubelet" runs the real worker jar. Fails when the binaries or the worker jar are absent
 * ({@code -DskipClusterTests} leaves it out).
 * Run: {@code k8s-cluster/build.sh && ./mvnw -pl worker -am package -DskipTests && ./mvnw -pl k8s -Pk8s-cluster verify}
 */
class KubernetesClusterIT {
    static final String NS = "athanor";
    static Path tmp;
    static LocalCluster cluster;
    static SimulatedKubelet kubelet;
    static KubernetesClient client;
    static KubernetesLauncher launcher;
    static GpuCapacityView capacity;
    static KubernetesLauncherConfig config;
    static final List<AttemptExit> exits = new CopyOnWriteArrayList<>();
    static final List<PendingReport> pending = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startCluster() throws Exception {
        LocalCluster.requireBinaries(); // missing binaries fail the suite; -DskipClusterTests leaves it out
        Path jar = Path.of(System.getProperty("athanor.worker.jar", "../worker/target/athanor-worker.jar"))
                .toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "worker jar " + jar + " not found: ./mvnw -pl worker -am package -DskipTests");
        tmp = Files.createTempDirectory("athanor-k8s-it");
        cluster = LocalCluster.start(tmp.resolve("cluster"));
        client = cluster.client();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build()).create();

        Path data = tmp.resolve("node-data");
        try (URLClassLoader cl = new URLClassLoader(new URL[]{jar.toUri().toURL()}, null)) {
            Class<?> demo = cl.loadClass("dev.athanor.worker.demo.DemoDataset");
            demo.getMethod("generate", Path.class, int.class, long.class).invoke(null, data.resolve("train"), 24, 1L);
        }
        kubelet = new SimulatedKubelet(cluster.newClient(), tmp.resolve("kubelet"));
        kubelet.addNode("h200-a", "h200", 8, data);
        kubelet.addNode("h200-b", "h200", 8, data);
        kubelet.addNode("a100-a", "a100", 2, data);
        kubelet.addNode("gp-a", "gp", 2, data);
        kubelet.addNode("gp-b", "gp", 2, data);
        kubelet.addNode("gang-x", "gang", 1, data);
        kubelet.addNode("gang-y", "gang", 1, data);
        kubelet.addNode("gang-z", "gang", 1, null); // its dataset mount is missing: workers placed here fail

        config = KubernetesLauncherConfig.builder(NS, "athanor-worker:test")
                .command(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
                        "-XX:TieredStopAtLevel=1", "-jar", jar.toString()))
                .heartbeatSeconds(1)
                .resyncPeriod(Duration.ofSeconds(2))
                .lostGrace(Duration.ofSeconds(5))
                .terminationGracePeriodSeconds(5)
                .fetchLogs(false)
                .build();
        launcher = new KubernetesLauncher(cluster.newClient(), config).start();
        launcher.onExit(exits::add);
        launcher.onPending(pending::add);
        launcher.recover(k -> false);
        capacity = new GpuCapacityView(cluster.newClient(), config).start();
    }

    @AfterAll
    static void stopCluster() {
        if (capacity != null) {
            capacity.close();
        }
        if (launcher != null) {
            launcher.close();
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (tmp != null && !Boolean.getBoolean("athanor.k8s.keep")) {
            LocalCluster.deleteTree(tmp);
        }
    }

    static LaunchRequest fineTune(int workers, int gpus, String type, double epochs, Duration max) {
        AttemptKey key = new AttemptKey(UUID.randomUUID(), 1);
        Resources r = new Resources(gpus, workers, type, 0.5, "512Mi");
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("dataset", "train/labels.jsonl")
                .put("outputDir", "model").put("numTrainEpochs", epochs);
        return new LaunchRequest(key, new WorkerJob(key.jobId(), 1, 0, "ft", "team-a", JobKind.FINE_TUNE, r, spec), r,
                List.of(), max, null);
    }

    static AttemptExit awaitExit(AttemptKey key, Duration max) {
        await().atMost(max).until(() -> exits.stream().anyMatch(e -> e.key().equals(key)));
        return exits.stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
    }

    static List<Pod> pods(AttemptKey key) {
        return client.pods().inNamespace(NS).withLabels(Labels.attempt(key)).list().getItems();
    }

    static boolean running(AttemptKey key) {
        List<Pod> p = pods(key);
        return !p.isEmpty() && p.stream().allMatch(x -> "Running".equals(x.getStatus().getPhase()));
    }

    static String nodeOf(AttemptKey key) {
        return pods(key).get(0).getSpec().getNodeName();
    }

    static Resources res(int gpus, int workers, String type) {
        return new Resources(gpus, workers, type, 0.5, "512Mi");
    }

    @Test
    void theRealWorkerRunsInAPodAndSucceeds() throws Exception {
        LaunchRequest req = fineTune(1, 1, "gp", 1, Duration.ZERO);
        launcher.launch(req);
        AttemptExit e = awaitExit(req.key(), Duration.ofSeconds(120));
        assertThat(e.succeeded()).as(e.toString()).isTrue();
        assertThat(e.reason()).isEqualTo("Completed");
    }

    @Test
    void eightGpuJobWaitsForOneNodeWithEightFreeWhileSmallerJobsRun() throws Exception {
        LaunchRequest s1 = fineTune(1, 4, "h200", 100000, Duration.ZERO);
        LaunchRequest s2 = fineTune(1, 4, "h200", 100000, Duration.ZERO);
        launcher.launch(s1);
        launcher.launch(s2);
        await().atMost(Duration.ofSeconds(60)).until(() -> running(s1.key()) && running(s2.key()));
        assertThat(nodeOf(s1.key())).isNotEqualTo(nodeOf(s2.key())); // the scheduler spreads: 4 + 4 free

        await().atMost(Duration.ofSeconds(10)).until(() -> !capacity.snapshot().fits(res(8, 1, "h200")));
        ClusterCapacity c = capacity.snapshot();
        assertThat(c.byFlavor().get("h200").free()).isEqualTo(8);
        assertThat(c.fits(res(4, 1, "h200"))).isTrue();
        assertThat(c.neverFits(res(8, 1, "h200"))).isNull();

        LaunchRequest big = fineTune(1, 8, "h200", 100000, Duration.ZERO);
        launcher.launch(big);
        // the scheduler's own message comes back as a pending reason, not an exit
        await().atMost(Duration.ofSeconds(30)).until(() -> pending.stream().anyMatch(p -> p.key().equals(big.key())));
        PendingReport why = pending.stream().filter(p -> p.key().equals(big.key())).findFirst().orElseThrow();
        assertThat(why.reason()).isEqualTo("Unschedulable");
        assertThat(why.message()).contains("Insufficient nvidia.com/gpu");

        // a smaller job still runs (and finishes) while the 8-GPU job waits
        LaunchRequest small = fineTune(1, 4, "h200", 1, Duration.ZERO);
        launcher.launch(small);
        assertThat(awaitExit(small.key(), Duration.ofSeconds(120)).succeeded()).isTrue();
        assertThat(pods(big.key()).get(0).getSpec().getNodeName()).isNull();

        launcher.stop(s1.key(), Duration.ofSeconds(5));
        assertThat(awaitExit(s1.key(), Duration.ofSeconds(60)).reason()).isEqualTo("Terminated");
        await().atMost(Duration.ofSeconds(60)).until(() -> running(big.key()));
        assertThat(exits).noneMatch(e -> e.key().equals(big.key()));

        launcher.stop(big.key(), Duration.ofSeconds(5));
        launcher.stop(s2.key(), Duration.ofSeconds(5));
        awaitExit(big.key(), Duration.ofSeconds(60));
        awaitExit(s2.key(), Duration.ofSeconds(60));
    }

    @Test
    void gpuTypeSelectorIsHonoured() throws Exception {
        LaunchRequest req = fineTune(1, 1, "a100", 1, Duration.ZERO);
        launcher.launch(req);
        // 120 s like the other waits here: the scheduler's backoff for a pod it tried before its node was free can
        // outlast 30 s on a loaded machine; the message names what the pod looked like
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            List<Pod> p = pods(req.key());
            assertThat(p).as("the a100 pod").isNotEmpty();
            assertThat(p.get(0).getSpec().getNodeName()).as("bound; status %s", p.get(0).getStatus()).isNotNull();
        });
        assertThat(nodeOf(req.key())).isEqualTo("a100-a");
        assertThat(awaitExit(req.key(), Duration.ofSeconds(120)).succeeded()).isTrue();
    }

    @Test
    void workerPodDeletedMidRunIsReportedAsAnExit() throws Exception {
        LaunchRequest req = fineTune(1, 1, "gp", 100000, Duration.ZERO);
        launcher.launch(req);
        await().atMost(Duration.ofSeconds(60)).until(() -> running(req.key()));
        client.pods().inNamespace(NS).withName(WorkerPodModel.podName(req.key(), 0)).withGracePeriod(1).delete();
        AttemptExit e = awaitExit(req.key(), Duration.ofSeconds(60));
        assertThat(e.succeeded()).isFalse();
        assertThat(e.reason()).isIn("PodDeleted", "Terminated", "Error");
        assertThat(e.exitCode()).isNotEqualTo(0);
    }

    @Test
    void createIsIdempotentAfterACrashBetweenIntentAndCreate() throws Exception {
        LaunchRequest req = fineTune(1, 1, "gp", 100000, Duration.ZERO);
        List<AttemptExit> seen = new CopyOnWriteArrayList<>();
        KubernetesLauncher first = new KubernetesLauncher(cluster.newClient(), config).start();
        first.launch(req);
        String uid = client.pods().inNamespace(NS).withName(WorkerPodModel.podName(req.key(), 0)).get()
                .getMetadata().getUid();
        first.close(); // "crash": the control plane restarts with the intent recorded, and launches again
        KubernetesLauncher second = new KubernetesLauncher(cluster.newClient(), config).start();
        try {
            second.onExit(seen::add);
            assertThat(second.recover(k -> false).adopted()).contains(req.key());
            second.launch(req);
            assertThat(pods(req.key())).singleElement()
                    .satisfies(p -> assertThat(p.getMetadata().getUid()).isEqualTo(uid));
            second.stop(req.key(), Duration.ofSeconds(2));
            await().atMost(Duration.ofSeconds(60)).until(() -> seen.stream().anyMatch(e -> e.key().equals(req.key())));
        } finally {
            second.close();
        }
    }

    @Test
    void leaderFailsOverBetweenTwoElectors() {
        try (KubernetesClient ca = cluster.newClient(); KubernetesClient cb = cluster.newClient()) {
            LeaderElection a = new LeaderElection(ca, NS, "athanor-leader", "replica-a", Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(300)).start();
            await().atMost(Duration.ofSeconds(20)).until(a::isLeader);
            LeaderElection b = new LeaderElection(cb, NS, "athanor-leader", "replica-b", Duration.ofSeconds(3),
                    Duration.ofSeconds(2), Duration.ofMillis(300)).start();
            try {
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> a.isLeader() && !b.isLeader());
                a.close();
                assertThat(a.isLeader()).isFalse();
                await().atMost(Duration.ofSeconds(20)).until(b::isLeader);
                assertThat(client.leases().inNamespace(NS).withName("athanor-leader").get().getSpec().getHolderIdentity())
                        .isEqualTo("replica-b");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void gangWithOneFailingWorkerIsTornDownWhole() throws Exception {
        LaunchRequest req = fineTune(3, 1, "gang", 100000, Duration.ZERO);
        launcher.launch(req);
        AttemptExit e = awaitExit(req.key(), Duration.ofSeconds(120));
        assertThat(e.succeeded()).isFalse();
        assertThat(e.exitCode()).isGreaterThan(0);
        assertThat(e.message()).contains("gang were stopped");
        // exactly one exit, and no worker of the gang keeps running
        await().atMost(Duration.ofSeconds(60)).until(() -> pods(req.key()).stream()
                .allMatch(p -> !"Running".equals(p.getStatus().getPhase())));
        assertThat(exits.stream().filter(x -> x.key().equals(req.key()))).hasSize(1);
        assertThat(client.services().inNamespace(NS).withName(req.key().name()).get()).isNotNull();
    }
}
