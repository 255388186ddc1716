package dev.athanor.k8s;

import dev.athanor.common.job.Priority;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The launcher against Fabric8's mock API server in CRUD mode; pod statuses are written by the test. */
@EnableKubernetesMockClient(crud = true)
class KubernetesLauncherMockTest {
    static KubernetesClient client;

    private final List<AttemptExit> exits = new CopyOnWriteArrayList<>();
    private final List<PendingReport> pending = new CopyOnWriteArrayList<>();
    private final AtomicBoolean leader = new AtomicBoolean(true);
    private KubernetesLauncher launcher;

    @BeforeEach
    void start() {
        client.pods().inNamespace(Fixtures.NS).delete();
        client.services().inNamespace(Fixtures.NS).delete();
        launcher = newLauncher();
    }

    private KubernetesLauncher newLauncher() {
        KubernetesLauncher l = new KubernetesLauncher(client, Fixtures.config()
                .priorityClass(Priority.HIGH, "athanor-high").actingGate(leader::get).build()).start();
        l.onExit(exits::add);
        l.onPending(pending::add);
        return l;
    }

    @AfterEach
    void stop() {
        launcher.close();
    }

    private List<Pod> podsOf(AttemptKey key) {
        return client.pods().inNamespace(Fixtures.NS).withLabels(Labels.attempt(key)).list().getItems();
    }

    private void setStatus(AttemptKey key, int worker, PodStatus status) {
        client.pods().inNamespace(Fixtures.NS).withName(WorkerPodModel.podName(key, worker))
                .editStatus(p -> new PodBuilder(p).withStatus(status).build());
    }

    private AttemptExit awaitExit(AttemptKey key) {
        await().atMost(Duration.ofSeconds(10)).until(() -> exits.stream().anyMatch(e -> e.key().equals(key)));
        return exits.stream().filter(e -> e.key().equals(key)).findFirst().orElseThrow();
    }

    @Test
    void launchCreatesPodsAndServiceAndIsIdempotent() throws Exception {
        AttemptKey key = Fixtures.key(1);
        LaunchRequest req = Fixtures.request(key, 2, 4, null, List.of("hf-token"), Duration.ofMinutes(30));
        launcher.launch(req, Priority.HIGH);
        launcher.launch(req, Priority.HIGH); // a retried launch after a crash: harmless
        List<Pod> pods = podsOf(key);
        assertThat(pods).extracting(p -> p.getMetadata().getName())
                .containsExactlyInAnyOrder(key.name() + "-w0", key.name() + "-w1");
        assertThat(pods.get(0).getSpec().getPriorityClassName()).isEqualTo("athanor-high");
        assertThat(client.services().inNamespace(Fixtures.NS).withName(key.name()).get()).isNotNull();
        assertThat(launcher.active()).containsExactly(key);

        // a pod that survived a crash before the intent was re-sent: the create gets 409 and counts as success
        AttemptKey other = Fixtures.key(2);
        LaunchRequest single = Fixtures.request(other, 1, 1, null, List.of(), Duration.ZERO);
        client.pods().inNamespace(Fixtures.NS).resource(launcher.model().pod(single, null, 0)).create();
        KubernetesLauncher second = newLauncher();
        try {
            second.launch(single);
            assertThat(podsOf(other)).hasSize(1);
        } finally {
            second.close();
        }
        assertThat(exits).isEmpty();
    }

    @Test
    void aForeignPodWithTheSameNameIsRefused() {
        AttemptKey key = Fixtures.key(3);
        client.pods().inNamespace(Fixtures.NS).resource(new PodBuilder().withNewMetadata()
                .withName(WorkerPodModel.podName(key, 0)).endMetadata().withNewSpec().addNewContainer().withName("x")
                .withImage("busybox").endContainer().endSpec().build()).create();
        assertThatThrownBy(() -> launcher.launch(Fixtures.request(key, 1, 0, null, List.of(), Duration.ZERO)))
                .isInstanceOf(LaunchException.class).hasMessageContaining("does not belong")
                .satisfies(e -> assertThat(((LaunchException) e).retryable()).isFalse());
    }

    @Test
    void withLaunchThreadsPodsAreCreatedAfterLaunchReturnsAndARefusalBecomesALaunchFailedExit() throws Exception {
        KubernetesLauncher async = new KubernetesLauncher(client, Fixtures.config().launchThreads(2)
                .actingGate(leader::get).build()).start();
        List<AttemptKey> created = new CopyOnWriteArrayList<>();
        async.onCreated(created::add);
        async.onExit(exits::add);
        try {
            AttemptKey ok = Fixtures.key(40);
            async.launch(Fixtures.request(ok, 2, 1, null, List.of(), Duration.ZERO));
            assertThat(async.active()).contains(ok); // active at once: the dispatcher never thinks it lost
            await().atMost(Duration.ofSeconds(10)).until(() -> created.contains(ok));
            assertThat(podsOf(ok)).hasSize(2);

            AttemptKey refused = Fixtures.key(41);
            client.pods().inNamespace(Fixtures.NS).resource(new PodBuilder().withNewMetadata()
                    .withName(WorkerPodModel.podName(refused, 0)).endMetadata().withNewSpec().addNewContainer()
                    .withName("x").withImage("busybox").endContainer().endSpec().build()).create();
            async.launch(Fixtures.request(refused, 1, 0, null, List.of(), Duration.ZERO));
            AttemptExit e = awaitExit(refused);
            assertThat(e.reason()).isEqualTo("LaunchFailed");
            assertThat(e.exitCode()).isEqualTo(-2);
            assertThat(e.message()).contains("does not belong");
            assertThat(created).doesNotContain(refused);
        } finally {
            async.close();
        }
    }

    @Test
    void allWorkersSucceededIsReportedOnce() throws Exception {
        AttemptKey key = Fixtures.key(4);
        launcher.launch(Fixtures.request(key, 2, 1, null, List.of(), Duration.ZERO));
        setStatus(key, 0, Fixtures.running());
        setStatus(key, 1, Fixtures.running());
        setStatus(key, 0, Fixtures.succeeded());
        setStatus(key, 1, Fixtures.succeeded());
        AttemptExit e = awaitExit(key);
        assertThat(e.succeeded()).isTrue();
        assertThat(e.message()).isEqualTo("all 2 workers exited with code 0");
        assertThat(launcher.active()).doesNotContain(key);
        launcher.resync();
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(2))
                .until(() -> exits.stream().filter(x -> x.key().equals(key)).count() == 1);
    }

    @Test
    void oneFailingWorkerTearsDownTheGangWithOneExit() throws Exception {
        AttemptKey key = Fixtures.key(5);
        launcher.launch(Fixtures.request(key, 3, 1, null, List.of(), Duration.ZERO));
        for (int i = 0; i < 3; i++) {
            setStatus(key, i, Fixtures.running());
        }
        setStatus(key, 2, Fixtures.failed(7, "Error", "RuntimeError: NCCL timeout"));
        AttemptExit e = awaitExit(key);
        assertThat(e.succeeded()).isFalse();
        assertThat(e.exitCode()).isEqualTo(7);
        assertThat(e.message()).contains("worker 2").contains("other 2 worker(s) of the gang were stopped");
        assertThat(e.lastLines()).containsExactly("RuntimeError: NCCL timeout");
        await().atMost(Duration.ofSeconds(5)).until(() -> podsOf(key).stream()
                .allMatch(p -> p.getMetadata().getName().endsWith("-w2")));
        assertThat(exits).hasSize(1);
    }

    @Test
    void unschedulableIsReportedAsPendingWithTheSchedulersMessage() throws Exception {
        AttemptKey key = Fixtures.key(6);
        launcher.launch(Fixtures.request(key, 1, 8, "h200", List.of(), Duration.ZERO));
        String msg = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.";
        setStatus(key, 0, Fixtures.unschedulable(msg));
        await().atMost(Duration.ofSeconds(5)).until(() -> !pending.isEmpty());
        assertThat(pending.get(0)).isEqualTo(new PendingReport(key, 0, "Unschedulable", msg));
        assertThat(exits).isEmpty();
        assertThat(launcher.active()).contains(key);
    }

    @Test
    void oomKilledWorkerIsReported() throws Exception {
        AttemptKey key = Fixtures.key(7);
        launcher.launch(Fixtures.request(key, 1, 1, null, List.of(), Duration.ZERO));
        setStatus(key, 0, Fixtures.failed(137, "OOMKilled", null));
        assertThat(awaitExit(key).reason()).isEqualTo("OOMKilled");
    }

    @Test
    void podDeletedMidRunIsAnExit() throws Exception {
        AttemptKey key = Fixtures.key(8);
        launcher.launch(Fixtures.request(key, 1, 1, null, List.of(), Duration.ZERO));
        setStatus(key, 0, Fixtures.running());
        await().atMost(Duration.ofSeconds(5)).until(() -> launcher.cached(key).values().stream()
                .anyMatch(p -> "Running".equals(p.getStatus().getPhase())));
        client.pods().inNamespace(Fixtures.NS).withName(WorkerPodModel.podName(key, 0)).delete();
        AttemptExit e = awaitExit(key);
        assertThat(e.reason()).isEqualTo("PodDeleted");
        assertThat(e.exitCode()).isEqualTo(-1);
    }

    @Test
    void stopDeletesThePodsAndReportsTerminated() throws Exception {
        AttemptKey key = Fixtures.key(9);
        launcher.launch(Fixtures.request(key, 2, 1, null, List.of(), Duration.ZERO));
        setStatus(key, 0, Fixtures.running());
        launcher.stop(key, Duration.ofSeconds(5));
        AttemptExit e = awaitExit(key);
        assertThat(e.reason()).isEqualTo("Terminated");
        assertThat(e.exitCode()).isEqualTo(143);
        assertThat(podsOf(key)).isEmpty();
        assertThat(client.services().inNamespace(Fixtures.NS).withName(key.name()).get()).isNull();
    }

    @Test
    void recoveryReportsFinishedAdoptsLiveAndDeletesOrphans() throws Exception {
        launcher.close();
        WorkerPodModel model = new WorkerPodModel(Fixtures.config().build());
        AttemptKey finished = Fixtures.key(10);
        AttemptKey live = Fixtures.key(11);
        AttemptKey orphan = Fixtures.key(12);
        AttemptKey halfGang = Fixtures.key(13);
        create(model, finished, 1, Fixtures.failed(2, "Error", "invalid job"));
        create(model, live, 1, Fixtures.running());
        create(model, orphan, 1, Fixtures.running());
        create(model, halfGang, 2, Fixtures.running());
        client.pods().inNamespace(Fixtures.NS).withName(WorkerPodModel.podName(halfGang, 1)).delete();

        launcher = newLauncher();
        KubernetesRecovery r = launcher.recover(k -> k.equals(orphan));
        assertThat(r.reported()).containsExactly(finished);
        assertThat(r.adopted()).containsExactlyInAnyOrder(live, halfGang);
        assertThat(r.cleaned()).containsExactly(orphan);
        assertThat(awaitExit(finished).exitCode()).isEqualTo(2);
        await().atMost(Duration.ofSeconds(5)).until(() -> podsOf(orphan).isEmpty());
        // an incomplete gang is not active (so the control plane re-launches it if its intent was recorded) ...
        assertThat(launcher.active()).contains(live).doesNotContain(halfGang, orphan, finished);
        // ... and, if nobody completes it, it is reported Lost and torn down
        AttemptExit lost = awaitExit(halfGang);
        assertThat(lost.reason()).isEqualTo("Lost");
        await().atMost(Duration.ofSeconds(5)).until(() -> podsOf(halfGang).isEmpty());

        setStatus(live, 0, Fixtures.succeeded());
        assertThat(awaitExit(live).succeeded()).isTrue();
        assertThat(exits).extracting(AttemptExit::key).doesNotContain(orphan);
    }

    private void create(WorkerPodModel model, AttemptKey key, int workers, PodStatus status) {
        for (Pod p : model.pods(Fixtures.request(key, workers, 1, null, List.of(), Duration.ZERO), null)) {
            client.pods().inNamespace(Fixtures.NS).resource(p).create();
            setStatus(key, Labels.workerOf(p), status);
        }
    }

    @Test
    void aReplicaThatIsNotLeaderNeitherLaunchesNorReports() throws Exception {
        AttemptKey key = Fixtures.key(14);
        launcher.launch(Fixtures.request(key, 1, 1, null, List.of(), Duration.ZERO));
        leader.set(false);
        assertThatThrownBy(() -> launcher.launch(Fixtures.request(Fixtures.key(15), 1, 1, null, List.of(),
                Duration.ZERO))).isInstanceOf(LaunchException.class).hasMessageContaining("not the leader");
        setStatus(key, 0, Fixtures.succeeded());
        await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(2)).until(exits::isEmpty);
        leader.set(true); // regains leadership: the next tick acts
        assertThat(awaitExit(key).succeeded()).isTrue();
        assertThat(Set.copyOf(podsOf(Fixtures.key(15)))).isEmpty();
    }

    @Test
    void launchedAttemptWhosePodsVanishWithoutAnEventIsLostAfterResync() throws Exception {
        AttemptKey key = Fixtures.key(16);
        launcher.launch(Fixtures.request(key, 1, 1, null, List.of(), Duration.ZERO));
        setStatus(key, 0, Fixtures.running());
        // the resync relists and compares: simulate with a direct call, after removing the pod
        client.pods().inNamespace(Fixtures.NS).withName(WorkerPodModel.podName(key, 0)).delete();
        launcher.resync();
        AttemptExit e = awaitExit(key);
        assertThat(e.reason()).isIn("PodDeleted", "Lost");
    }

    @Test
    void podsBeingLaunchedCountAgainstCapacityBeforeAnyInformerSeesThem() throws Exception {
        client.nodes().resource(ClusterCapacityTest.node("gpu-a", "h200", 8, true)).create();
        GpuCapacityView view = new GpuCapacityView(client, Fixtures.config().build()).start();
        dev.athanor.common.job.Resources one = new dev.athanor.common.job.Resources(1, 1, null, 1, "1Gi");
        try (KubernetesLauncherBinding binding = new KubernetesLauncherBinding(launcher, view)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> binding.fitsNow(one));
            // The launcher tells the view what it is about to create: those GPUs are taken from that moment.
            launcher.launch(Fixtures.request(Fixtures.key(90), 1, 4, null, List.of(), Duration.ZERO), Priority.NORMAL);
            assertThat(binding.fitsNow(new dev.athanor.common.job.Resources(5, 1, null, 1, "1Gi"))).isFalse();
            // A pod still in flight (never created here) counts as much as one the informer has seen.
            LaunchRequest more = Fixtures.request(Fixtures.key(91), 1, 4, null, List.of(), Duration.ZERO);
            view.expect(new WorkerPodModel(Fixtures.config().build()).pods(more, Priority.NORMAL));
            assertThat(binding.fitsNow(one)).isFalse();
            assertThat(binding.capacity().nodes()).singleElement().satisfies(n -> assertThat(n.free()).isZero());
        } finally {
            client.nodes().withName("gpu-a").delete();
            launcher = newLauncher(); // the binding closed the one under test
        }
    }
}
