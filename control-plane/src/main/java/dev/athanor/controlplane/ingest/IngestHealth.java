package dev.athanor.controlplane.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Instant;

/**
 * Readiness of worker-event ingest: DOWN while it cannot store what it reads (the database refuses writes) or while
 * its loop does not poll (it is being restarted). Reports the lag (records not applied yet) and whether it is caught up.
 */
@Readiness
@ApplicationScoped
public class IngestHealth implements HealthCheck {

    @Inject
    EventIngestor ingestor;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("athanor-ingest");
        Instant stalled = ingestor.stalledSince();
        Instant polled = ingestor.lastPollAt();
        b.withData("lag", ingestor.lag()).withData("caughtUp", ingestor.caughtUp())
                .withData("lastPoll", String.valueOf(polled));
        if (stalled != null) {
            b.down().withData("stalledSince", stalled.toString())
                    .withData("failedTries", ingestor.consecutiveFailures())
                    .withData("lastFailure", String.valueOf(ingestor.lastFailure()));
        } else if (!ingestor.live()) {
            b.down().withData("reason", "the ingest loop has not polled Kafka for more than 30 s");
        } else {
            b.up();
        }
        return b.build();
    }
}
