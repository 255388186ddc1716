package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A job waiting for admission. It needs {@code workers} workers of {@code gpusPerWorker} GPUs each, all at once (a
 * gang), each worker on a single node. {@code flavor} null means any flavor. {@code createdAt} is when it entered the
 * queue (keep the original time when a preempted job is requeued, so its wait keeps counting).
 * {@code expectedDuration} (optional) lets it backfill in front of a reservation and improves start estimates.
 */
public record PendingJob(String id, String team, Priority priority, int workers, int gpusPerWorker, String flavor,
                         Instant createdAt, double cpuPerWorker, long memoryPerWorkerBytes, Duration expectedDuration) {

    public PendingJob {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(team, "team");
        Objects.requireNonNull(createdAt, "createdAt");
        priority = priority == null ? Priority.NORMAL : priority;
        if (workers < 1 || gpusPerWorker < 0) {
            throw new IllegalArgumentException("job " + id + ": workers >= 1 and gpusPerWorker >= 0 required");
        }
        if (cpuPerWorker < 0 || memoryPerWorkerBytes < 0) {
            throw new IllegalArgumentException("job " + id + ": cpu and memory must be >= 0");
        }
    }

    public static PendingJob of(String id, String team, Priority priority, int workers, int gpusPerWorker,
                                String flavor, Instant createdAt) {
        return new PendingJob(id, team, priority, workers, gpusPerWorker, flavor, createdAt, 0, 0, null);
    }

    /** From the common domain {@link Resources}. */
    public static PendingJob of(String id, String team, Priority priority, Resources r, Instant createdAt) {
        return new PendingJob(id, team, priority, r.workers(), r.gpusPerWorker(), r.gpuType(), createdAt, r.cpu(),
                r.memoryBytes(), null);
    }

    public PendingJob withExpectedDuration(Duration d) {
        return new PendingJob(id, team, priority, workers, gpusPerWorker, flavor, createdAt, cpuPerWorker,
                memoryPerWorkerBytes, d);
    }

    public long totalGpus() {
        return (long) workers * gpusPerWorker;
    }
}
