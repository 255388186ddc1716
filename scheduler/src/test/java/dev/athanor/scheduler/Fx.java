package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small builders for readable example tests. */
final class Fx {
    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final String A100 = "a100-80gb";
    static final String H200 = "h200-141gb";

    final List<Node> nodes = new ArrayList<>();
    final List<Team> teams = new ArrayList<>();
    final List<Cohort> cohorts = new ArrayList<>();
    final List<RunningJob> running = new ArrayList<>();
    final List<PendingJob> pending = new ArrayList<>();

    Fx node(String name, String flavor, int gpus, int free) {
        nodes.add(Node.of(name, flavor, gpus, free));
        return this;
    }

    Fx team(String name, String cohort, double weight, String flavor, FlavorQuota q) {
        teams.add(Team.of(name, cohort, weight, Map.of(flavor, q)));
        return this;
    }

    Fx team(Team t) {
        teams.add(t);
        return this;
    }

    Fx cohort(String name, String flavor, int shared) {
        cohorts.add(new Cohort(name, Map.of(flavor, shared)));
        return this;
    }

    /** A running job whose workers sit on the given nodes; started {@code ranFor} ago, ends in {@code endsIn}. */
    Fx run(String id, String team, Priority p, int gpusPerWorker, String flavor, Duration ranFor, Duration endsIn,
           String... nodeNames) {
        running.add(RunningJob.of(id, team, p, gpusPerWorker, flavor, List.of(nodeNames), NOW.minus(ranFor),
                endsIn == null ? null : NOW.plus(endsIn)));
        return this;
    }

    Fx runCkpt(String id, String team, Priority p, int g, String flavor, Duration ranFor, String... nodeNames) {
        running.add(RunningJob.of(id, team, p, g, flavor, List.of(nodeNames), NOW.minus(ranFor), null).checkpointable(true));
        return this;
    }

    Fx pend(String id, String team, Priority p, int workers, int g, String flavor, Duration waited) {
        pending.add(PendingJob.of(id, team, p, workers, g, flavor, NOW.minus(waited)));
        return this;
    }

    Fx pend(PendingJob j) {
        pending.add(j);
        return this;
    }

    Snapshot snapshot() {
        return new Snapshot(NOW, nodes, teams, cohorts, running, pending);
    }

    Decision schedule() {
        return new Scheduler(SchedulerConfig.defaults()).schedule(snapshot());
    }

    Decision schedule(SchedulerConfig c) {
        return new Scheduler(c).schedule(snapshot());
    }

    static Duration min(long m) {
        return Duration.ofMinutes(m);
    }
}
