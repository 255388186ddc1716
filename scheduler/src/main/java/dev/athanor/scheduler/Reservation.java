package dev.athanor.scheduler;

import java.time.Instant;
import java.util.List;

/**
 * GPUs held for a job that waited longer than the reservation bound: the free GPUs on {@code nodes} are not given to
 * other jobs unless they are expected to finish before {@code expectedStart} (backfill). {@code expectedStart} null:
 * the nodes free up only when running jobs without an expected end finish.
 */
public record Reservation(String jobId, String flavor, List<String> nodes, Instant expectedStart) {
    public Reservation {
        nodes = List.copyOf(nodes);
    }
}
