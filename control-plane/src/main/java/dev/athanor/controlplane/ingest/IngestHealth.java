package dev.athanor.controlplane.ingest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import java.time.Instant;

/** Readiness of worker-event ingest: DOWN while it cannot store what it reads (the database refuses writes). */
@Readiness
@ApplicationScoped
public class IngestHealth implements HealthCheck {

    @Inject
    EventIngestor ingestor;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named("athanor-ingest");
        Instant stalled = ingestor.stalledSince();
        if (stalled != null) {
            b.down().withData("stalledSince", stalled.toString())
                    .withData("failedTries", ingestor.consecutiveFailures())
                    .withData("lastFailure", String.valueOf(ingestor.lastFailure()));
        } else {
            b.up();
        }
        return b.build();
    }
}
