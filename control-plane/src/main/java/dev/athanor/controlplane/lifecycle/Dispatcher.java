package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.JobState;
import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.controlplane.ingest.EventIngestor;
import dev.athanor.controlplane.store.JobEntity;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import dev.athanor.controlplane.scheduling.Scheduling;
import dev.athanor.controlplane.scheduling.SchedulingMetrics;
import dev.athanor.controlplane.scheduling.SchedulingStore;
import dev.athanor.scheduler.Admission;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.PendingInfo;
import dev.athanor.scheduler.PendingReason;
import dev.athanor.scheduler.Preemption;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The control loop: observe (worker exits, stop requests, the launcher's live attempts) → decide (which pending
 * jobs fit now) → act (record intent, then launch). One thread; every decision is persisted through
 * {@link JobStore} before the launcher is called, and launches are idempotent, so a crash at any point is safe.
 */
@ApplicationScoped
public class Dispatcher {
    private static final Logger LOG = Logger.getLogger(Dispatcher.class);
    private static final List<String> LIVE = List.of(JobState.LAUNCHING.name(), JobState.RUNNING.name());

    @Inject
    AthanorConfig config;
    @Inject
    JobStore jobs;
    @Inject
    LauncherBinding binding;
    @Inject
    EventIngestor ingestor;
    @Inject
    dev.athanor.controlplane.ingest.EventKeys eventKeys;
    @Inject
    Scheduling scheduling;
    @Inject
    SchedulingMetrics metrics;

    private final ConcurrentLinkedQueue<AttemptExit> exits = new ConcurrentLinkedQueue<>();
    /** Exits waiting for the worker's RESULT event to be ingested, with the time they stop waiting. */
    private final java.util.Map<AttemptKey, Instant> awaitingResult = new java.util.HashMap<>();
    private final List<AttemptExit> deferred = new ArrayList<>();
    /** Attempts stopped because their heartbeats stopped: their exits are reported as HeartbeatLost. */
    private final java.util.Map<AttemptKey, String> silent = new java.util.concurrent.ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<AttemptKey> stops = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<LauncherBinding.PendingNotice> notices = new ConcurrentLinkedQueue<>();
    private final Semaphore wake = new Semaphore(0);
    /** Reason of a PENDING job that waits for capacity that is unavailable now (not merely in use). */
    static final String NODES_UNAVAILABLE = "CapacityUnavailable";
    private final java.util.Map<UUID, String> waitingNoted = new java.util.HashMap<>();
    private volatile boolean running;
    private Thread thread;
    private Instant lastWatchdog = Instant.EPOCH;
    private long lastCycle;
    private static final long MIN_CYCLE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_CYCLE_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private long lastCycleNanos;

    void start(@Observes @Priority(20) StartupEvent ev) {
        binding.launcher().onExit(e -> {
            exits.add(e);
            wakeup();
        });
        binding.onPending(n -> {
            notices.add(n);
            wakeup();
        });
        if (!config.dispatch().enabled()) {
            LOG.info("dispatcher disabled (athanor.dispatch.enabled=false)");
            return;
        }
        running = true;
        thread = new Thread(this::loop, "athanor-dispatch");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        wakeup();
        if (thread != null) {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // Workers keep running: a restarted control plane adopts them.
        if (binding instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing the launcher failed", e);
            }
        } else {
            binding.launcher().close();
        }
    }

    /** Asks the loop to run now (a job was submitted, a worker exited). */
    public void wakeup() {
        scheduling.touch();
        wake.release();
    }

    /** Asks the launcher to stop an attempt's workers (cancel). */
    public void stop(AttemptKey key) {
        stops.add(key);
        wakeup();
    }

    private void loop() {
        boolean wasActing = false;
        while (running) {
            try {
                wake.tryAcquire(config.dispatch().interval().toMillis(), TimeUnit.MILLISECONDS);
                // Coalesce bursts of wake-ups (hundreds of submissions per second) into one cycle per 50 ms, or per
                // the last cycle's own duration when that is longer: a cycle reads the whole queue, so under a burst
                // fewer, larger cycles admit more jobs per second than many small ones, and the loop never takes
                // more than about half of a core from the API and the database.
                long gap = Math.max(MIN_CYCLE_GAP_NANOS, Math.min(lastCycleNanos, MAX_CYCLE_GAP_NANOS));
                long since = System.nanoTime() - lastCycle;
                if (since < gap) {
                    TimeUnit.NANOSECONDS.sleep(gap - since);
                }
                wake.drainPermits();
                lastCycle = System.nanoTime();
                if (!running) {
                    break;
                }
                if (!binding.acting()) {
                    if (wasActing) {
                        LOG.warn("lost leadership: this replica stops dispatching and settling at once");
                    }
                    wasActing = false;
                    continue;
                }
                if (!wasActing) {
                    // Started, or just became the leader: adopt what runs, settle what ended, re-launch intents.
                    wasActing = true;
                    try {
                        recover();
                    } catch (RuntimeException e) {
                        LOG.error("recovery failed; continuing", e);
                    }
                }
                long started = System.nanoTime();
                cycle();
                lastCycleNanos = System.nanoTime() - started;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("dispatch cycle failed; retrying", e);
            }
        }
    }

    /** One observe → decide → act pass. Package-visible for tests. */
    void cycle() {
        AttemptExit exit;
        List<AttemptExit> ready = new ArrayList<>(deferred);
        deferred.clear();
        while ((exit = exits.poll()) != null) {
            String why = silent.remove(exit.key());
            ready.add(why == null ? exit : new AttemptExit(exit.key(), false, exit.exitCode(), "HeartbeatLost",
                    why + " (" + exit.message() + ")", exit.lastLines()));
        }
        for (AttemptExit e : ready) {
            if (waitForResult(e)) {
                deferred.add(e);
            } else {
                awaitingResult.remove(e.key());
                settle(e);
            }
        }
        LauncherBinding.PendingNotice notice;
        while ((notice = notices.poll()) != null) {
            try {
                jobs.notePending(notice.key(), notice.reason(), notice.message());
            } catch (RuntimeException e) {
                LOG.debugf("cannot record why %s waits: %s", notice.key(), e.getMessage());
            }
        }
        AttemptKey stop;
        while ((stop = stops.poll()) != null) {
            binding.launcher().stop(stop, config.stop().grace());
        }
        dispatchPending();
        Instant now = Instant.now();
        if (Duration.between(lastWatchdog, now).compareTo(Duration.ofSeconds(5)) >= 0) {
            lastWatchdog = now;
            watchdog(now);
        }
    }

    /**
     * A worker that exits on its own has sent its RESULT (and final progress) to Kafka first. Settle its exit only
     * once that event has been ingested, or after a short grace, so the job's final state carries the worker's
     * verdict and history instead of racing it. Killed or lost workers sent nothing: no wait.
     */
    private boolean waitForResult(AttemptExit e) {
        // -1: the exit code is unknown (a worker that ended while no control plane watched it): it may have
        // reported its verdict, so wait for that too.
        boolean sendsResult = e.exitCode() == 0 || e.exitCode() == 1 || e.exitCode() == ExitPolicy.EXIT_INVALID_JOB
                || e.exitCode() == 143 || e.exitCode() == -1;
        if (!sendsResult) {
            return false;
        }
        Instant until = awaitingResult.computeIfAbsent(e.key(), k -> Instant.now().plus(config.stop().resultGrace()));
        if (Instant.now().isAfter(until)) {
            return false;
        }
        try {
            return !jobs.hasResult(e.key());
        } catch (RuntimeException ex) {
            return false;
        }
    }

    private void settle(AttemptExit exit) {
        if (!binding.acting()) {
            // Leadership moved (between admitAll and launch, or during the cycle): the new leader owns this attempt.
            // It adopts what runs and re-launches recorded intents; settling here would burn an attempt the new
            // leader may be running right now.
            LOG.infof("not the leader any more: leaving the exit of %s (%s) to the leader", exit.key(), exit.reason());
            return;
        }
        try {
            Optional<JobView> v = jobs.settleExit(exit);
            v.ifPresent(j -> LOG.infof("attempt %s ended (%s, exit %d) → job %s", exit.key(), exit.reason(),
                    exit.exitCode(), j.state()));
        } catch (RuntimeException e) {
            LOG.errorf(e, "cannot settle exit of %s; will retry", exit.key());
            exits.add(exit);
        }
    }

    private void dispatchPending() {
        Instant now = Instant.now();
        boolean gpus = binding.anyFree() || hasGpuNodes();
        if (!gpus) {
            return; // nothing can start and there is nothing to preempt: do not scan the queue at all
        }
        Scheduling.Round round = metrics.cycleTimer().record(() -> scheduling.run(now, binding));
        preempt(round);
        admit(round);
        dispatchCpuOnly(round.cpuOnly());
    }

    private boolean hasGpuNodes() {
        return !binding.gpuNodes(List.of()).isEmpty();
    }

    /** Records each preemption's intent, then asks the victim's workers to stop (SIGTERM, grace to checkpoint). */
    private void preempt(Scheduling.Round round) {
        for (Preemption p : round.decision().preemptions()) {
            SchedulingStore.LiveRow v = round.live().get(p.victimJobId());
            if (v == null || v.preempting()) {
                continue;
            }
            UUID preemptor = p.preemptorJobId() == null ? null : UUID.fromString(p.preemptorJobId());
            boolean recorded;
            try {
                recorded = jobs.recordPreemption(v.id(), v.attempt(), preemptor, p.reason().name(), p.message());
            } catch (RuntimeException e) {
                LOG.warnf("cannot record the preemption of %s: %s", v.id(), e.getMessage());
                continue;
            }
            if (recorded) {
                AttemptKey key = new AttemptKey(v.id(), v.attempt());
                LOG.infof("preempting %s (team %s) for %s (team %s): %s", key, v.team(), p.preemptorJobId(),
                        p.preemptorTeam(), p.reason());
                metrics.preempted(v.team(), p.reason().name());
                binding.launcher().stop(key, config.scheduling().preemptionGrace());
            }
        }
    }

    /** Starts what the core admitted; the launcher's own view of free capacity has the last word. */
    private void admit(Scheduling.Round round) {
        Decision d = round.decision();
        List<JobStore.Admit> batch = new ArrayList<>(d.admissions().size());
        String free = d.admissions().isEmpty() ? "" : binding.describeFree();
        // The core placed every admission on the launcher's own free GPUs of this round (gpuNodes), so there is no
        // second check per job here: on Kubernetes that check recomputes the capacity of every node and pod.
        for (Admission a : d.admissions()) {
            SchedulingStore.PendingRow p = round.pending().get(a.jobId());
            if (p == null) {
                continue;
            }
            batch.add(new JobStore.Admit(p.id(), (a.borrowing() ? "borrowing idle " : "within quota on ") + a.flavor()
                    + " (" + free + ")", a.flavor()));
        }
        // The whole cycle's intents in one transaction, then the launches (the Kubernetes launcher creates pods on
        // its own threads; a crash in between is recovered from the recorded intents).
        for (JobView v : jobs.admitAll(batch, binding.launcher().name())) {
            SchedulingStore.PendingRow p = round.pending().get(v.id().toString());
            metrics.admitted(v.team(), Duration.between(p.queuedAt(), Instant.now()));
            launch(v, p.resources());
        }
        for (PendingInfo info : d.pending()) {
            if (info.reason() != PendingReason.UNSCHEDULABLE) {
                continue;
            }
            SchedulingStore.PendingRow p = round.pending().get(info.jobId());
            String never = p == null ? null : binding.neverFits(p.resources());
            if (never != null) {
                failUnschedulable(p.id(), never);
                continue;
            }
            // It fits some day: nodes that could hold it are unavailable now (cordoned, NotReady, GPUs gone for a
            // moment, GPU discovery failed) and it waits with that reason, or it is unschedulable by quota only and
            // stays pending, flagged with the reason, until an admin changes the quota.
            String waits = p == null ? null : binding.waitsFor(p.resources());
            if (waits != null) {
                noteWaiting(p.id(), waits);
            }
        }
    }

    /** CPU-only jobs use the launcher's CPU slots and no GPU quota: priority, then age, with backfill. */
    private void dispatchCpuOnly(List<SchedulingStore.PendingRow> cpuOnly) {
        for (SchedulingStore.PendingRow p : cpuOnly) {
            if (!binding.anyFree()) {
                return;
            }
            String never = binding.neverFits(p.resources());
            if (never != null) {
                failUnschedulable(p.id(), never);
                continue;
            }
            if (!binding.fitsNow(p.resources())) {
                continue; // smaller jobs behind it may still fit (backfill)
            }
            Optional<JobView> admitted = jobs.admitAndRecordIntent(p.id(), binding.launcher().name(),
                    "fits free capacity (" + binding.describeFree() + ")");
            admitted.ifPresent(v -> {
                metrics.admitted(p.team(), Duration.between(p.queuedAt(), Instant.now()));
                launch(v, p.resources());
            });
        }
    }

    /** Records why a pending job waits for unavailable capacity, once per change of the message. */
    private void noteWaiting(UUID id, String why) {
        if (why.equals(waitingNoted.get(id))) {
            return;
        }
        if (waitingNoted.size() > 10_000) {
            waitingNoted.clear();
        }
        try {
            jobs.noteWaiting(id, NODES_UNAVAILABLE, why);
            waitingNoted.put(id, why);
        } catch (RuntimeException e) {
            LOG.debugf("cannot record why %s waits: %s", id, e.getMessage());
        }
    }

    private void failUnschedulable(UUID id, String why) {
        try {
            jobs.transition(id, null, JobState.FAILED, "Unschedulable", why, null);
        } catch (RuntimeException e) {
            LOG.debugf("job %s changed while failing it: %s", id, e.getMessage());
        }
    }

    /** Package-visible for tests. */
    void launch(JobView v, Resources r) {
        AttemptKey key = new AttemptKey(v.id(), v.attempt());
        try {
            LaunchRequest req = request(v, r);
            binding.launcher().launch(req.withEventKey(eventKeys.forAttempt(req.key())));
        } catch (LaunchException e) {
            LOG.warnf("launch of %s failed: %s", key, e.getMessage());
            if (e.retryable()) {
                // refused for now (leadership moved, quota, 409, 5xx): nothing ran; retried after a backoff without
                // using an attempt (and settled not at all when this replica is no longer the leader)
                settle(new AttemptExit(key, false, ExitPolicy.EXIT_NOT_STARTED, "LaunchFailed", e.getMessage(),
                        List.of()));
            } else {
                settle(new AttemptExit(key, false, ExitPolicy.EXIT_LAUNCH_REFUSED, "LaunchFailed", e.getMessage(), List.of()));
            }
        } catch (RuntimeException e) {
            LOG.errorf(e, "launch of %s failed", key);
            settle(new AttemptExit(key, false, -1, "LaunchFailed", String.valueOf(e.getMessage()), List.of()));
        }
    }

    static LaunchRequest request(JobView v, Resources r) {
        WorkerJob wj = new WorkerJob(v.id(), v.attempt(), 0, v.name(), v.team(), JobKind.valueOf(v.kind()), r, v.spec());
        // The spec declares its secret fields itself (validated against the team at submission).
        List<String> secrets = JobSpecs.parse(JobKind.valueOf(v.kind()), v.spec()).secretNames();
        Duration max = v.maxRuntimeSeconds() > 0 ? Duration.ofSeconds(v.maxRuntimeSeconds()) : Duration.ZERO;
        return new LaunchRequest(new AttemptKey(v.id(), v.attempt()), wj, r, secrets, max, null,
                dev.athanor.common.job.Priority.valueOf(v.priority()));
    }

    /** After a restart: adopt live workers, settle the ones that are gone, re-launch recorded intents. */
    private void recover() {
        // Decide only after every event workers sent while we were down has been applied.
        ingestor.awaitCaughtUp(Duration.ofSeconds(60));
        List<JobEntity> live = jobs.inStates(LIVE, 100_000);
        Set<AttemptKey> liveKeys = new HashSet<>();
        live.forEach(j -> liveKeys.add(new AttemptKey(j.id, j.attempt)));
        Set<AttemptKey> reported = binding.recover(k -> !liveKeys.contains(k));
        Set<AttemptKey> active = binding.launcher().active();
        int relaunched = 0;
        int lost = 0;
        for (JobEntity j : live) {
            AttemptKey key = new AttemptKey(j.id, j.attempt);
            if (active.contains(key) || reported.contains(key)) {
                continue;
            }
            if (JobState.LAUNCHING.name().equals(j.state)) {
                LOG.infof("re-launching %s: its intent was recorded but no worker exists", key);
                relaunched++;
                jobs.get(j.id).ifPresent(v -> launch(v, Json.lenient().convertValue(j.resources, Resources.class)));
            } else {
                lost++;
                settle(new AttemptExit(key, false, -1, "Lost",
                        "no worker process found for this attempt after the control plane restarted", List.of()));
            }
        }
        scheduling.reset();
        for (AttemptKey key : jobs.preempting()) {
            if (binding.launcher().active().contains(key)) {
                LOG.infof("stopping %s again: its preemption was recorded before the restart", key);
                binding.launcher().stop(key, config.scheduling().preemptionGrace());
            }
        }
        LOG.infof("recovery: %d live attempts adopted, %d exits reported, %d re-launched, %d lost",
                active.size(), reported.size(), relaunched, lost);
    }

    /** Attempts the database thinks are live but the launcher does not know: settle them as lost. */
    private void watchdog(Instant now) {
        Set<AttemptKey> active = binding.launcher().active();
        Duration timeout = config.lostWorker().timeout();
        for (JobStore.LiveAttempt j : jobs.liveAttempts(LIVE, 100_000)) {
            AttemptKey key = j.key();
            if (active.contains(key) || exits.stream().anyMatch(e -> e.key().equals(key))
                    || deferred.stream().anyMatch(e -> e.key().equals(key))) {
                continue;
            }
            if (j.updatedAt() != null && Duration.between(j.updatedAt(), now).compareTo(timeout) > 0) {
                settle(new AttemptExit(key, false, -1, "Lost",
                        "the launcher has no worker for this attempt (for more than " + timeout.toSeconds() + " s)",
                        List.of()));
            }
        }
        // A worker that is alive but silent (frozen, swapped out, stuck in the kernel) is stopped and retried.
        // Heartbeats are judged only while ingest is caught up: a stalled or lagging ingest has not stored them yet.
        if (!ingestor.caughtUp()) {
            return;
        }
        Duration silence = config.lostWorker().heartbeatTimeout();
        for (AttemptKey key : jobs.staleHeartbeats(silence)) {
            if (active.contains(key) && !silent.containsKey(key)) {
                LOG.warnf("attempt %s sent no heartbeat for %d s: stopping it", key, silence.toSeconds());
                silent.put(key, "no heartbeat for more than " + silence.toSeconds() + " s; the worker was stopped");
                binding.launcher().stop(key, config.stop().grace());
            }
        }
    }
}
