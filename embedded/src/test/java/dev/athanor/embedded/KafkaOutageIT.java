package dev.athanor.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault test (hardening issue): the Kafka broker is stopped for 90 s while labeling jobs run, then started again.
 * Every job ends in exactly one terminal state (here: SUCCEEDED on its first attempt, since nothing failed but the
 * transport); every log line and metric point the workers sent (each worker states its count when it exits) is in
 * PostgreSQL; nothing is dead-lettered.
 */
class KafkaOutageIT {
    private static final Duration OUTAGE = Duration.ofSeconds(Long.getLong("athanor.fault.kafka-outage-seconds", 90));

    @TempDir
    Path home;
    @Test
    void jobsRideOutABrokerOutageAndEveryEventTheWorkersSentIsStored() throws Exception {
        // ~0.75 s per image: the jobs are still labeling when the broker goes away, and end while it is away
        try (LabelingRig rig = LabelingRig.start(home, 40, 750)) {
            Stack stack = rig.stack;
            Api api = rig.api;
            List<String> ids = List.of(rig.submit("outage-a", 1), rig.submit("outage-b", 1));
            for (String id : ids) {
                await().atMost(Duration.ofSeconds(120)).until(() -> api.get("/api/v1/jobs/" + id).body()
                        .path("progress").path("step").asLong() > 0);
            }

            stack.stopKafka();
            Instant back = Instant.now().plus(OUTAGE);
            // The outage lasts its full length; meanwhile the API answers and no job fails.
            await().atMost(OUTAGE.plusSeconds(30)).pollInterval(Duration.ofSeconds(5)).until(() -> {
                for (String id : ids) {
                    Api.Response r = api.get("/api/v1/jobs/" + id);
                    assertThat(r.status()).as("the API during the outage").isEqualTo(200);
                    assertThat(r.body().path("state").asText()).as(r.raw()).isNotIn("FAILED", "CANCELLED");
                }
                return Instant.now().isAfter(back);
            });
            stack.startKafka();

            for (String id : ids) {
                rig.awaitSucceededOnceOnTheFirstAttempt(id, Duration.ofSeconds(240));
            }
            for (String id : ids) {
                LabelingRig.Delivered d = rig.delivered(id, 1);
                assertThat(d.logLines()).as("the worker logged lines").isPositive();
                assertThat(d.metricPoints()).as("the worker reported metrics").isPositive();
                System.out.printf("KafkaOutageIT: job %s delivered %d events (%d log lines, %d metric points) across "
                        + "a %d s outage%n", id, d.events(), d.logLines(), d.metricPoints(), OUTAGE.toSeconds());
                rig.awaitStored(id, d);
            }
            assertThat(rig.deadLetters()).as("dead-lettered events").isZero();
        }
    }
}
