package dev.athanor.controlplane.store;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.UUID;

/** The job as the API shows it. */
public record JobView(UUID id, String name, String team, String kind, String state, String reason, String message,
                      String priority, JsonNode labels, String idempotencyKey, JsonNode resources, JsonNode spec,
                      int attempt, int maxAttempts, int retryBackoffSeconds, long maxRuntimeSeconds,
                      boolean cancelRequested, Instant createdAt, Instant updatedAt, Instant startedAt,
                      Instant finishedAt, Progress progress, JsonNode lastMetrics, JsonNode result) {

    public record Progress(long step, long total, double fraction, Double etaSeconds, String phase, Instant at) {
    }

    public static JobView of(JobEntity j) {
        Progress p = null;
        if (j.progressStep != null) {
            long total = j.progressTotal == null ? 0 : j.progressTotal;
            double fraction = total <= 0 ? 0 : Math.min(1.0, (double) j.progressStep / total);
            p = new Progress(j.progressStep, total, fraction, j.progressEta, j.progressPhase, j.progressAt);
        }
        return new JobView(j.id, j.name, j.team, j.kind, j.state, j.reason, j.message, j.priority, j.labels,
                j.idempotencyKey, j.resources, j.spec, j.attempt, j.maxAttempts, j.retryBackoffSeconds,
                j.maxRuntimeSeconds, j.cancelRequested, j.createdAt, j.updatedAt, j.startedAt, j.finishedAt, p,
                j.lastMetrics, j.result);
    }
}
