package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A job holding GPUs: one entry in {@code workerNodes} per worker (a node name may repeat when several workers share
 * a node). {@code expectedEnd} (optional) is the reported ETA; it drives start-time estimates and reservations.
 * {@code checkpointable} jobs are preferred as preemption victims and are asked to checkpoint.
 * {@code lastCheckpoint} (optional): when the job last saved its state; a preemption loses the work since then (since
 * {@code startedAt} when it never checkpointed). {@code preemptions}: how often the job was already stopped to make room
 * (the core stops a job at most {@link SchedulerConfig#maxPreemptionsPerJob()} times).
 */
public record RunningJob(String id, String team, Priority priority, int gpusPerWorker, String flavor,
                         List<String> workerNodes, Instant startedAt, Instant expectedEnd, boolean checkpointable,
                         double cpuPerWorker, long memoryPerWorkerBytes, Instant lastCheckpoint, int preemptions) {

    public RunningJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(flavor, "flavor");
        Objects.requireNonNull(startedAt, "startedAt");
        priority = priority == null ? Priority.NORMAL : priority;
        workerNodes = List.copyOf(workerNodes);
        if (workerNodes.isEmpty()) {
            throw new IllegalArgumentException("running job " + id + " has no workers");
        }
    }

    public static RunningJob of(String id, String team, Priority priority, int gpusPerWorker, String flavor,
                                List<String> workerNodes, Instant startedAt, Instant expectedEnd) {
        return new RunningJob(id, team, priority, gpusPerWorker, flavor, workerNodes, startedAt, expectedEnd, false, 0, 0,
                null, 0);
    }

    public RunningJob checkpointable(boolean c) {
        return new RunningJob(id, team, priority, gpusPerWorker, flavor, workerNodes, startedAt, expectedEnd, c,
                cpuPerWorker, memoryPerWorkerBytes, lastCheckpoint, preemptions);
    }

    public RunningJob withHistory(Instant checkpointedAt, int preemptedBefore) {
        return new RunningJob(id, team, priority, gpusPerWorker, flavor, workerNodes, startedAt, expectedEnd,
                checkpointable, cpuPerWorker, memoryPerWorkerBytes, checkpointedAt, preemptedBefore);
    }

    /** The instant since which a preemption would throw work away: the last checkpoint, else the start. */
    public Instant workAtRiskSince() {
        return lastCheckpoint != null && lastCheckpoint.isAfter(startedAt) ? lastCheckpoint : startedAt;
    }

    public int workers() {
        return workerNodes.size();
    }

    public long totalGpus() {
        return (long) workerNodes.size() * gpusPerWorker;
    }
}
