package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    private LabelingRig rig;

    @AfterEach
    void stopRig() {
        if (rig != null) {
            rig.stop();
        }
    }

    @Test
    void jobsRideOutABrokerOutageAndEveryEventTheWorkersSentIsStored() throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        assertTrue(Files.isRegularFile(repo.controlPlaneJar()) && Files.isRegularFile(repo.workerJar()),
                "build the control plane and worker first (./mvnw -B -q -pl control-plane,worker -am package -DskipTests)");
        // ~0.75 s per image: the jobs are still labeling when the broker goes away, and end while it is away
        rig = LabelingRig.start(home, repo.workerJar(), 40, 750);
        Stack.Options o = new Stack.Options(home, Ports.free(), 2, "127.0.0.1", repo.controlPlaneJar(),
                repo.workerJar(), List.of(), Map.of(), Duration.ofSeconds(180));
        try (Stack stack = Stack.start(o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            Api api = new Api(stack.apiUrl(), Api.tokenFor(home));
            List<String> ids = List.of(rig.submit(api, "outage-a", 1), rig.submit(api, "outage-b", 1));
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
                await().atMost(Duration.ofSeconds(240)).until(() ->
                        LabelingRig.terminal(api.get("/api/v1/jobs/" + id).body().path("state").asText()));
                JsonNode j = api.get("/api/v1/jobs/" + id).body();
                assertThat(j.path("state").asText()).as(j.toString()).isEqualTo("SUCCEEDED");
                assertThat(j.path("attempt").asInt()).as("no retry: only the transport failed").isEqualTo(1);
                List<String> to = new ArrayList<>();
                api.get("/api/v1/jobs/" + id + "/timeline").body().path("items").forEach(t -> to.add(t.path("to").asText()));
                assertThat(to.stream().filter(LabelingRig::terminal).count()).as("one terminal state in " + to).isEqualTo(1);
            }
            for (String id : ids) {
                LabelingRig.Delivered d = rig.delivered(id, 1);
                assertThat(d.logLines()).as("the worker logged lines").isPositive();
                assertThat(d.metricPoints()).as("the worker reported metrics").isPositive();
                System.out.printf("KafkaOutageIT: job %s delivered %d events (%d log lines, %d metric points) across "
                        + "a %d s outage%n", id, d.events(), d.logLines(), d.metricPoints(), OUTAGE.toSeconds());
                rig.awaitStored(stack, id, d);
            }
            assertThat(LabelingRig.deadLetters(stack)).as("dead-lettered events").isZero();
        }
    }
}
