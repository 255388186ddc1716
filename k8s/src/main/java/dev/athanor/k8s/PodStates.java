package dev.athanor.k8s;

import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.WorkerContract;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure mapping from pod phases, conditions and container states to worker states, and from an attempt's worker
 * states to one verdict: still live (maybe with a pending reason), or one {@link AttemptExit} for the whole gang.
 * Never acts; the reconciler does what the verdict says.
 */
public final class PodStates {

    public enum Kind { WAITING, RUNNING, SUCCEEDED, FAILED }

    /** What one worker's pod says. {@code pendingReason} is set for a WAITING worker with something to report. */
    public record WorkerState(int index, String podName, Kind kind, int exitCode, String reason, String message,
                              List<String> lastLines, Instant finishedAt, String pendingReason) {
        public boolean live() {
            return kind == Kind.WAITING || kind == Kind.RUNNING;
        }
    }

    /**
     * The verdict on one attempt.
     *
     * @param exit       null while the attempt is live
     * @param pending    reasons why workers are not running yet (only while live)
     * @param toDelete   live pods to delete: the rest of a failed gang
     * @param incomplete some expected worker has no pod (yet)
     * @param failedPod  the pod of the failing worker (for its log), or null
     */
    public record Verdict(AttemptExit exit, List<PendingReport> pending, List<String> toDelete, boolean incomplete,
                          String failedPod) {
        Verdict(AttemptExit exit, List<PendingReport> pending, List<String> toDelete, boolean incomplete) {
            this(exit, pending, toDelete, incomplete, null);
        }

        public boolean finished() {
            return exit != null;
        }
    }

    /** What the observer needs besides the pods. */
    public record Context(Instant now, Duration imagePullGrace, int logTailLines, boolean stopRequested,
                          boolean missingIsLost) {
    }

    private static final Set<String> IMAGE_FATAL = Set.of("InvalidImageName", "ErrImageNeverPull");
    private static final Set<String> IMAGE_BOUNDED = Set.of("ImagePullBackOff", "ErrImagePull",
            "CreateContainerConfigError", "CreateContainerError", "RunContainerError");
    private static final Set<String> NODE_LOST = Set.of("NodeLost", "Shutdown", "NodeShutdown", "Terminated",
            "UnexpectedAdmissionError", "NodeAffinity");

    private PodStates() {
    }

    /**
     * One worker's state.
     *
     * @param deleted   the pod is gone (this is its last known state)
     * @param waitSince since when the pod has been in its current waiting reason (for image pull bounds), or null
     */
    public static WorkerState worker(Pod pod, boolean deleted, Instant waitSince, Context ctx) {
        int index = Labels.workerOf(pod);
        String name = pod.getMetadata().getName();
        PodStatus st = pod.getStatus();
        String phase = st == null ? null : st.getPhase();
        if ("Succeeded".equals(phase)) {
            return new WorkerState(index, name, Kind.SUCCEEDED, 0, ExitReasons.COMPLETED,
                    "worker " + index + " exited with code 0", List.of(), finishedAt(pod), null);
        }
        if ("Failed".equals(phase)) {
            return failed(pod, index, ctx);
        }
        if (deleted) {
            return deletedWhileLive(pod, index, phase, ctx);
        }
        if ("Running".equals(phase) || "Unknown".equals(phase)) {
            // Unknown: the node stopped reporting; the node controller will delete the pod, which we then see.
            return new WorkerState(index, name, Kind.RUNNING, 0, null, null, List.of(), null, null);
        }
        // Pending (or no status yet)
        ContainerStateWaiting w = waiting(pod);
        if (w != null && w.getReason() != null) {
            String r = w.getReason();
            String msg = "worker " + index + " (pod " + name + "): " + r
                    + (w.getMessage() == null ? "" : ": " + w.getMessage());
            if (IMAGE_FATAL.contains(r)) {
                return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_NOT_RETRYABLE, r, msg, List.of(),
                        ctx.now(), null);
            }
            if (IMAGE_BOUNDED.contains(r)) {
                Instant since = waitSince == null ? ctx.now() : waitSince;
                if (!ctx.now().isBefore(since.plus(ctx.imagePullGrace()))) {
                    String reason = r.equals("ErrImagePull") ? ExitReasons.IMAGE_PULL_BACK_OFF : r;
                    return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_NOT_RETRYABLE, reason,
                            msg + " (for more than " + ctx.imagePullGrace().toSeconds() + " s)", List.of(),
                            ctx.now(), null);
                }
                return new WorkerState(index, name, Kind.WAITING, 0, r, msg, List.of(), null, r);
            }
        }
        PodCondition scheduled = condition(pod, "PodScheduled");
        if (scheduled != null && "False".equals(scheduled.getStatus())
                && ExitReasons.UNSCHEDULABLE.equals(scheduled.getReason())) {
            return new WorkerState(index, name, Kind.WAITING, 0, ExitReasons.UNSCHEDULABLE, scheduled.getMessage(),
                    List.of(), null, ExitReasons.UNSCHEDULABLE);
        }
        return new WorkerState(index, name, Kind.WAITING, 0, null, null, List.of(), null, null);
    }

    /** The waiting reason a pod is in now ({@code ImagePullBackOff}, ...), or null; for tracking since when. */
    public static String waitingReason(Pod pod) {
        ContainerStateWaiting w = waiting(pod);
        return w == null ? null : w.getReason();
    }

    private static WorkerState deletedWhileLive(Pod pod, int index, String phase, Context ctx) {
        String name = pod.getMetadata().getName();
        PodCondition dt = condition(pod, "DisruptionTarget");
        String reason = ExitReasons.POD_DELETED;
        String why = "was deleted";
        if (dt != null && "True".equals(dt.getStatus()) && dt.getReason() != null) {
            switch (dt.getReason()) {
                case "PreemptionByScheduler":
                    reason = ExitReasons.PREEMPTED;
                    why = "was preempted by the scheduler";
                    break;
                case "EvictionByEvictionAPI":
                case "TerminationByKubelet":
                    reason = ExitReasons.EVICTED;
                    why = "was evicted";
                    break;
                case "DeletionByTaintManager":
                case "DeletionByPodGC":
                    reason = ExitReasons.LOST;
                    why = "was deleted because its node was lost";
                    break;
                default:
                    break;
            }
            if (dt.getMessage() != null) {
                why = why + " (" + dt.getMessage() + ")";
            }
        }
        return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_UNKNOWN, reason,
                "worker " + index + " (pod " + name + ") " + why + " while " + (phase == null ? "Pending" : phase),
                List.of(), ctx.now(), null);
    }

    private static WorkerState failed(Pod pod, int index, Context ctx) {
        String name = pod.getMetadata().getName();
        PodStatus st = pod.getStatus();
        String podReason = st.getReason();
        String podMessage = st.getMessage();
        ContainerStateTerminated t = terminated(pod);
        Instant at = t != null && t.getFinishedAt() != null ? parse(t.getFinishedAt()) : ctx.now();
        List<String> lines = t == null ? List.of() : tail(t.getMessage(), ctx.logTailLines());
        int code = t == null || t.getExitCode() == null ? ExitReasons.EXIT_UNKNOWN : t.getExitCode();
        String prefix = "worker " + index + " (pod " + name + ")";
        if ("Evicted".equals(podReason)) {
            return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_UNKNOWN, ExitReasons.EVICTED,
                    prefix + " was evicted" + (podMessage == null ? "" : ": " + podMessage), lines, at, null);
        }
        if ("DeadlineExceeded".equals(podReason)) {
            return new WorkerState(index, name, Kind.FAILED, code, ExitReasons.DEADLINE_EXCEEDED,
                    prefix + " ran past its deadline (activeDeadlineSeconds " + pod.getSpec().getActiveDeadlineSeconds()
                            + ") and was stopped", lines, at, null);
        }
        if (podReason != null && (NODE_LOST.contains(podReason) || podReason.startsWith("OutOf"))) {
            return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_UNKNOWN, ExitReasons.LOST,
                    prefix + " failed on its node: " + podReason + (podMessage == null ? "" : ": " + podMessage),
                    lines, at, null);
        }
        if (t != null && "OOMKilled".equals(t.getReason())) {
            return new WorkerState(index, name, Kind.FAILED, code == ExitReasons.EXIT_UNKNOWN ? 137 : code,
                    ExitReasons.OOM_KILLED, prefix + " ran out of memory (OOMKilled, exit code " + code + ")",
                    lines, at, null);
        }
        if (t != null) {
            String reason = code == WorkerContract.EXIT_TERMINATED ? ExitReasons.TERMINATED : ExitReasons.ERROR;
            return new WorkerState(index, name, Kind.FAILED, code, reason,
                    prefix + " exited with code " + code, lines, at, null);
        }
        return new WorkerState(index, name, Kind.FAILED, ExitReasons.EXIT_UNKNOWN, ExitReasons.ERROR,
                prefix + " failed" + (podReason == null ? "" : ": " + podReason)
                        + (podMessage == null ? "" : ": " + podMessage), lines, at, null);
    }

    /**
     * The verdict on an attempt of {@code expected} workers.
     *
     * @param pods      the pods present now, by worker index
     * @param tombstones the last known state of pods that were deleted, by worker index
     * @param waitSince since when each pod (by name) has been in its current waiting reason
     */
    public static Verdict attempt(AttemptKey key, int expected, Map<Integer, Pod> pods, Map<Integer, Pod> tombstones,
                                  Map<String, Instant> waitSince, Context ctx) {
        List<WorkerState> states = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < expected; i++) {
            Pod p = pods.get(i);
            boolean deleted = false;
            if (p == null) {
                p = tombstones.get(i);
                deleted = p != null;
            }
            if (p == null) {
                missing.add(i);
                continue;
            }
            states.add(worker(p, deleted, waitSince.get(p.getMetadata().getName()), ctx));
        }
        List<String> live = states.stream().filter(WorkerState::live).map(WorkerState::podName).toList();
        int n = expected;

        if (ctx.stopRequested()) {
            if (!live.isEmpty()) {
                return new Verdict(null, List.of(), live, false);
            }
            boolean allOk = missing.isEmpty() && states.stream().allMatch(s -> s.kind() == Kind.SUCCEEDED);
            if (allOk) {
                return new Verdict(success(key, n), List.of(), List.of(), false);
            }
            return new Verdict(new AttemptExit(key, false, WorkerContract.EXIT_TERMINATED, ExitReasons.TERMINATED,
                    "stopped at request: " + (n == 1 ? "the worker pod was" : "all " + n + " worker pods were")
                            + " deleted", List.of()), List.of(), List.of(), false);
        }

        WorkerState failure = states.stream().filter(s -> s.kind() == Kind.FAILED)
                .min(Comparator.comparing(WorkerState::finishedAt, Comparator.nullsLast(Comparator.naturalOrder()))
                        .thenComparingInt(WorkerState::index))
                .orElse(null);
        if (failure == null && !missing.isEmpty() && ctx.missingIsLost()) {
            int i = missing.get(0);
            failure = new WorkerState(i, WorkerPodModel.podName(key, i), Kind.FAILED, ExitReasons.EXIT_UNKNOWN,
                    ExitReasons.LOST, "worker " + i + " has no pod (" + WorkerPodModel.podName(key, i)
                    + " does not exist)", List.of(), ctx.now(), null);
        }
        if (failure != null) {
            String msg = failure.message();
            if (n > 1 && !live.isEmpty()) {
                msg = msg + "; the other " + live.size() + " worker(s) of the gang were stopped";
            }
            return new Verdict(new AttemptExit(key, false, failure.exitCode(), failure.reason(), msg,
                    failure.lastLines()), List.of(), live, !missing.isEmpty(), failure.podName());
        }
        if (missing.isEmpty() && states.stream().allMatch(s -> s.kind() == Kind.SUCCEEDED)) {
            return new Verdict(success(key, n), List.of(), List.of(), false);
        }
        List<PendingReport> pending = states.stream().filter(s -> s.pendingReason() != null)
                .map(s -> new PendingReport(key, s.index(), s.pendingReason(), s.message())).toList();
        return new Verdict(null, pending, List.of(), !missing.isEmpty());
    }

    private static AttemptExit success(AttemptKey key, int n) {
        return new AttemptExit(key, true, 0, ExitReasons.COMPLETED,
                n == 1 ? "worker 0 exited with code 0" : "all " + n + " workers exited with code 0", List.of());
    }

    static ContainerStatus workerStatus(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        List<ContainerStatus> cs = pod.getStatus().getContainerStatuses();
        return cs.stream().filter(c -> WorkerPodModel.CONTAINER.equals(c.getName())).findFirst()
                .orElse(cs.isEmpty() ? null : cs.get(0));
    }

    private static ContainerStateWaiting waiting(Pod pod) {
        ContainerStatus c = workerStatus(pod);
        return c == null || c.getState() == null ? null : c.getState().getWaiting();
    }

    private static ContainerStateTerminated terminated(Pod pod) {
        ContainerStatus c = workerStatus(pod);
        if (c == null) {
            return null;
        }
        ContainerState s = c.getState();
        if (s != null && s.getTerminated() != null) {
            return s.getTerminated();
        }
        return c.getLastState() == null ? null : c.getLastState().getTerminated();
    }

    static PodCondition condition(Pod pod, String type) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return null;
        }
        return pod.getStatus().getConditions().stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    private static Instant finishedAt(Pod pod) {
        ContainerStateTerminated t = terminated(pod);
        return t == null || t.getFinishedAt() == null ? null : parse(t.getFinishedAt());
    }

    private static Instant parse(String ts) {
        try {
            return OffsetDateTime.parse(ts).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    static List<String> tail(String text, int n) {
        if (text == null || text.isBlank() || n <= 0) {
            return List.of();
        }
        List<String> lines = Arrays.asList(text.strip().split("\\R"));
        return List.copyOf(lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }

    /** Whether a pod is terminated (Succeeded or Failed). */
    public static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
