package dev.athanor.k8s;

import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.athanor.k8s.Fixtures.failed;
import static dev.athanor.k8s.Fixtures.running;
import static dev.athanor.k8s.Fixtures.succeeded;
import static org.assertj.core.api.Assertions.assertThat;

class PodStatesTest {
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private final WorkerPodModel model = new WorkerPodModel(Fixtures.config().build());
    private final AttemptKey key = Fixtures.key(1);

    private List<Pod> gang(int n) {
        return model.pods(Fixtures.request(key, n, 1, null, List.of(), Duration.ZERO), null);
    }

    private PodStates.Verdict verdict(int n, Map<Integer, PodStatus> statuses, Map<Integer, PodStatus> deleted,
                                      Map<String, Instant> waitSince, boolean stop, boolean missingIsLost) {
        List<Pod> pods = gang(n);
        Map<Integer, Pod> live = new HashMap<>();
        Map<Integer, Pod> gone = new HashMap<>();
        statuses.forEach((i, s) -> live.put(i, Fixtures.withStatus(pods.get(i), s)));
        deleted.forEach((i, s) -> gone.put(i, Fixtures.withStatus(pods.get(i), s)));
        return PodStates.attempt(key, n, live, gone, waitSince,
                new PodStates.Context(NOW, Duration.ofMinutes(3), 5, stop, missingIsLost));
    }

    private AttemptExit exitOf(PodStatus s) {
        PodStates.Verdict v = verdict(1, Map.of(0, s), Map.of(), Map.of(), false, false);
        assertThat(v.finished()).isTrue();
        return v.exit();
    }

    @Test
    void allWorkersSucceededIsOneSuccess() {
        PodStates.Verdict v = verdict(3, Map.of(0, succeeded(), 1, succeeded(), 2, succeeded()), Map.of(), Map.of(),
                false, false);
        assertThat(v.exit().succeeded()).isTrue();
        assertThat(v.exit().reason()).isEqualTo("Completed");
        assertThat(v.exit().message()).isEqualTo("all 3 workers exited with code 0");
    }

    @Test
    void nonZeroExitCarriesCodeAndTerminationMessageTail() {
        AttemptExit e = exitOf(failed(3, "Error", "line1\nline2\nline3\nline4\nline5\nline6\nTraceback: boom"));
        assertThat(e.succeeded()).isFalse();
        assertThat(e.exitCode()).isEqualTo(3);
        assertThat(e.reason()).isEqualTo("Error");
        assertThat(e.message()).contains("worker 0").contains("exited with code 3");
        assertThat(e.lastLines()).containsExactly("line3", "line4", "line5", "line6", "Traceback: boom");
    }

    @Test
    void oomKilledEvictedAndDeadlineAreClassified() {
        assertThat(exitOf(failed(137, "OOMKilled", null))).satisfies(e -> {
            assertThat(e.reason()).isEqualTo("OOMKilled");
            assertThat(e.exitCode()).isEqualTo(137);
        });
        PodStatus evicted = new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
                .withMessage("The node was low on resource: memory.").build();
        assertThat(exitOf(evicted)).satisfies(e -> {
            assertThat(e.reason()).isEqualTo("Evicted");
            assertThat(e.message()).contains("low on resource: memory");
        });
        PodStatus deadline = new PodStatusBuilder(failed(137, "Error", null)).withReason("DeadlineExceeded").build();
        assertThat(exitOf(deadline).reason()).isEqualTo("DeadlineExceeded");
        PodStatus nodeLost = new PodStatusBuilder().withPhase("Failed").withReason("NodeLost").build();
        assertThat(exitOf(nodeLost).reason()).isEqualTo("Lost");
    }

    @Test
    void unschedulableIsAPendingReasonWithTheSchedulersMessageNotAnExit() {
        String msg = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu. preemption: 0/4 nodes are available";
        PodStates.Verdict v = verdict(1, Map.of(0, Fixtures.unschedulable(msg)), Map.of(), Map.of(), false, false);
        assertThat(v.finished()).isFalse();
        assertThat(v.pending()).singleElement().satisfies(p -> {
            assertThat(p.reason()).isEqualTo("Unschedulable");
            assertThat(p.message()).isEqualTo(msg);
        });
    }

    @Test
    void imagePullBackOffIsPendingWithinTheBoundThenANonRetryableExit() {
        PodStatus pull = Fixtures.waiting("ImagePullBackOff", "Back-off pulling image \"nope:1\"");
        String pod = WorkerPodModel.podName(key, 0);
        PodStates.Verdict early = verdict(1, Map.of(0, pull), Map.of(), Map.of(pod, NOW.minusSeconds(60)), false,
                false);
        assertThat(early.finished()).isFalse();
        assertThat(early.pending()).singleElement().satisfies(p -> assertThat(p.reason()).isEqualTo("ImagePullBackOff"));
        PodStates.Verdict late = verdict(1, Map.of(0, pull), Map.of(), Map.of(pod, NOW.minusSeconds(181)), false,
                false);
        assertThat(late.exit().reason()).isEqualTo("ImagePullBackOff");
        assertThat(late.exit().exitCode()).isEqualTo(ExitReasons.EXIT_NOT_RETRYABLE);
        assertThat(exitOf(Fixtures.waiting("InvalidImageName", "bad")).exitCode())
                .isEqualTo(ExitReasons.EXIT_NOT_RETRYABLE);
    }

    @Test
    void podDeletedWhileRunningIsARetryableExit() {
        PodStates.Verdict v = verdict(1, Map.of(), Map.of(0, running()), Map.of(), false, false);
        assertThat(v.exit().reason()).isEqualTo("PodDeleted");
        assertThat(v.exit().exitCode()).isEqualTo(-1);
        PodStatus tainted = new PodStatusBuilder(running()).withConditions(new PodConditionBuilder()
                .withType("DisruptionTarget").withStatus("True").withReason("DeletionByTaintManager").build()).build();
        assertThat(verdict(1, Map.of(), Map.of(0, tainted), Map.of(), false, false).exit().reason()).isEqualTo("Lost");
        // a pod that had finished before it was deleted keeps its real outcome
        assertThat(verdict(1, Map.of(), Map.of(0, succeeded()), Map.of(), false, false).exit().succeeded()).isTrue();
    }

    @Test
    void oneFailedWorkerFailsTheWholeGangAndNamesTheOthersForDeletion() {
        PodStates.Verdict v = verdict(3, Map.of(0, running(), 1, failed(1, "Error", "NCCL error"), 2, running()),
                Map.of(), Map.of(), false, false);
        assertThat(v.exit().succeeded()).isFalse();
        assertThat(v.exit().exitCode()).isEqualTo(1);
        assertThat(v.exit().message()).contains("worker 1").contains("the other 2 worker(s) of the gang were stopped");
        assertThat(v.toDelete()).containsExactlyInAnyOrder(WorkerPodModel.podName(key, 0),
                WorkerPodModel.podName(key, 2));
        assertThat(v.failedPod()).isEqualTo(WorkerPodModel.podName(key, 1));
    }

    @Test
    void missingWorkerIsLostOnlyWhenConfirmed() {
        assertThat(verdict(2, Map.of(0, running()), Map.of(), Map.of(), false, false).finished()).isFalse();
        PodStates.Verdict v = verdict(2, Map.of(0, running()), Map.of(), Map.of(), false, true);
        assertThat(v.exit().reason()).isEqualTo("Lost");
        assertThat(v.toDelete()).containsExactly(WorkerPodModel.podName(key, 0));
    }

    @Test
    void stopRequestedWaitsForPodsThenReportsTerminated() {
        PodStates.Verdict waiting = verdict(2, Map.of(0, running(), 1, running()), Map.of(), Map.of(), true, false);
        assertThat(waiting.finished()).isFalse();
        assertThat(waiting.toDelete()).hasSize(2);
        PodStates.Verdict done = verdict(2, Map.of(), Map.of(0, running(), 1, failed(143, "Error", null)), Map.of(),
                true, false);
        assertThat(done.exit().reason()).isEqualTo("Terminated");
        assertThat(done.exit().exitCode()).isEqualTo(143);
    }
}
