package dev.athanor.controlplane.scheduling;

import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.controlplane.lifecycle.LauncherBinding;
import dev.athanor.scheduler.DecayedUsage;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.FairShare;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingInfo;
import dev.athanor.scheduler.RunningJob;
import dev.athanor.scheduler.Scheduler;
import dev.athanor.scheduler.SchedulerConfig;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.TeamShare;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scheduling round for the dispatcher: read the store and the launcher's nodes, run the pure core
 * ({@link Scheduler}), keep each team's decayed usage, publish the queue and the metrics. Acting on the decision
 * (preempting, admitting, launching) stays with the dispatcher. Only the acting replica (the leader) calls it.
 */
@ApplicationScoped
public class Scheduling {
    private static final Logger LOG = Logger.getLogger(Scheduling.class);

    @Inject
    AthanorConfig config;
    @Inject
    SchedulingStore store;
    @Inject
    SchedulingMetrics metrics;

    private Scheduler scheduler;
    private Map<String, DecayedUsage> usage;
    private Map<String, PendingInfo> published = new HashMap<>();
    private Instant lastPublish = Instant.EPOCH;
    private Instant lastUsageSave = Instant.EPOCH;
    private boolean dirty = true;

    /** The outcome of one round: the core's decision, and the rows it was made from by job id. */
    public record Round(Decision decision, Snapshot snapshot, Map<String, SchedulingStore.PendingRow> pending,
                        Map<String, SchedulingStore.LiveRow> live, List<SchedulingStore.PendingRow> cpuOnly) {
    }

    @PostConstruct
    void init() {
        AthanorConfig.Scheduling s = config.scheduling();
        SchedulerConfig c = SchedulerConfig.defaults()
                .withUsageHalfLife(s.usageHalfLife())
                .withUsageWeight(s.usageWeight())
                .withReservationAfter(s.reservationAfter())
                .withMaxReservationsPerFlavor(s.maxReservationsPerFlavor())
                .withMinRuntime(s.minRuntime())
                .withPreemption(s.preemption())
                .withReclaimAfter(s.reclaimAfter())
                .withMaxPreemptionsPerJob(s.maxPreemptionsPerJob())
                .withGainOverLoss(s.gainOverLoss());
        scheduler = new Scheduler(c);
    }

    public SchedulerConfig schedulerConfig() {
        return scheduler.config();
    }

    /** Forget what was published and re-read usage: call when this replica starts acting (start, leadership). */
    public synchronized void reset() {
        usage = null;
        published = new HashMap<>();
        lastPublish = Instant.EPOCH;
        dirty = true;
    }

    public synchronized Round run(Instant now, LauncherBinding binding) {
        SchedulingStore.Inputs in = store.load(now, config.scheduling().maxPending());
        if (usage == null) {
            usage = new HashMap<>(in.usage());
            store.pruneQueue();
        }
        List<Node> nodes = binding.gpuNodes(in.flavors());
        Snapshot snap = SnapshotFactory.build(now, in, nodes, config.scheduling().defaultCohort(), usage,
                t -> binding.flavorFor(t, in.flavors()), binding::placement);
        accrue(snap, now);
        Decision d = scheduler.schedule(snap);
        Map<String, SchedulingStore.PendingRow> pending = new HashMap<>(in.pending().size() * 2);
        List<SchedulingStore.PendingRow> cpu = new java.util.ArrayList<>();
        for (SchedulingStore.PendingRow p : in.pending()) {
            if (p.resources().gpusPerWorker() == 0) {
                cpu.add(p);
            } else {
                pending.put(p.id().toString(), p);
            }
        }
        Map<String, SchedulingStore.LiveRow> live = new HashMap<>();
        for (SchedulingStore.LiveRow l : in.live()) {
            live.put(l.id().toString(), l);
        }
        List<TeamShare> shares = FairShare.compute(snap, scheduler.config());
        metrics.observe(snap, d, shares, in.quotas());
        publish(d, now);
        return new Round(d, snap, pending, live, cpu);
    }

    /** Adds the GPUs each team held since the last round to its decayed usage; saved every few seconds. */
    private void accrue(Snapshot snap, Instant now) {
        Map<String, Long> inUse = new HashMap<>();
        for (RunningJob r : snap.running()) {
            inUse.merge(r.team(), r.totalGpus(), Long::sum);
        }
        Duration halfLife = config.scheduling().usageHalfLife();
        Set<String> teams = new HashSet<>(usage.keySet());
        teams.addAll(inUse.keySet());
        for (String t : teams) {
            DecayedUsage u = usage.getOrDefault(t, new DecayedUsage(0, now));
            usage.put(t, u.accrue(inUse.getOrDefault(t, 0L), now, halfLife));
        }
        if (Duration.between(lastUsageSave, now).toSeconds() >= 10) {
            lastUsageSave = now;
            try {
                store.saveUsage(usage);
            } catch (RuntimeException e) {
                LOG.warnf("cannot save team usage: %s", e.getMessage());
            }
        }
    }

    /** Marks the published queue stale (a job was admitted, cancelled or submitted): publish at the next round. */
    public void touch() {
        dirty = true;
    }

    private void publish(Decision d, Instant now) {
        Duration every = config.scheduling().publishInterval();
        if (!dirty && Duration.between(lastPublish, now).compareTo(every.multipliedBy(10)) < 0) {
            return;
        }
        if (Duration.between(lastPublish, now).compareTo(every) < 0) {
            return;
        }
        QueuePublication plan = QueuePublication.plan(published, d.pending(), config.scheduling().publishLimit());
        try {
            store.publishQueue(plan.upserts(), plan.deletes(), now);
            published = plan.published();
            lastPublish = now;
            dirty = plan.deferred() > 0; // the rest of a large shift goes out at the next interval
        } catch (RuntimeException e) {
            LOG.warnf("cannot publish the queue: %s", e.getMessage());
        }
    }
}
