package dev.athanor.scheduler;

import java.time.Instant;

/**
 * Visibility for one pending job. Positions are 1-based among jobs still pending after this cycle:
 * {@code teamPosition} in its team's queue, {@code flavorPosition} in the queue of its flavor ({@code flavorQueue}
 * is the requested flavor, or {@code "*"} for jobs that accept any). {@code estimatedStart} is null when unknown
 * (running jobs without an expected end, or unschedulable).
 */
public record PendingInfo(String jobId, String team, String flavorQueue, int teamPosition, int flavorPosition,
                          PendingReason reason, String message, Instant estimatedStart) {
}
