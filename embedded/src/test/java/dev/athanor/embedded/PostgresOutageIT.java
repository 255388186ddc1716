package dev.athanor.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Fault test (hardening issue): while labeling jobs run and a client keeps submitting, PostgreSQL is restarted
 * (down for 20 s), then switched read-only for 60 s. No acknowledged submission is lost, the running jobs end once
 * each and on their first attempt, every log line and metric point the workers delivered is stored, nothing is
 * dead-lettered, and ingest resumes by itself.
 */
class PostgresOutageIT {
    private static final Duration DOWN = Duration.ofSeconds(20);
    private static final Duration READ_ONLY = Duration.ofSeconds(Long.getLong("athanor.fault.pg-read-only-seconds", 60));

    @TempDir
    Path home;
    @Test
    void aRestartAndAReadOnlyMinuteLoseNoAcknowledgedSubmissionAndNoEvent() throws Exception {
        try (LabelingRig rig = LabelingRig.start(home, 60, 1000)) {
            Stack stack = rig.stack;
            Api api = rig.api;
            List<String> running = List.of(rig.submit("pg-a", 1), rig.submit("pg-b", 1));
            for (String id : running) {
                await().atMost(Duration.ofSeconds(120)).until(() -> api.get("/api/v1/jobs/" + id).body()
                        .path("progress").path("step").asLong() > 0);
            }

            // A client submits all along: jobs that ask for a GPU this machine does not have (none of them runs).
            List<String> acknowledged = new CopyOnWriteArrayList<>();
            Map<Integer, Integer> refusals = new ConcurrentHashMap<>();
            AtomicInteger sent = new AtomicInteger();
            ScheduledExecutorService client = Executors.newSingleThreadScheduledExecutor();
            client.scheduleWithFixedDelay(() -> {
                int n = sent.getAndIncrement();
                try {
                    Api.Response r = api.post("/api/v1/jobs", """
                            {"name": "queued-%d", "team": "default", "kind": "LABELING",
                             "resources": {"gpusPerWorker": 1},
                             "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://127.0.0.1:%d/v1",
                                      "model": "athanor-demo-vlm"}}
                            """.formatted(n, rig.data.resolve("images"), rig.data.resolve("q" + n + ".jsonl"),
                            rig.vlmPort));
                    if (r.status() == 201) {
                        acknowledged.add(r.body().path("id").asText());
                    } else {
                        refusals.merge(r.status(), 1, Integer::sum);
                    }
                } catch (Exception e) {
                    refusals.merge(-1, 1, Integer::sum);
                }
            }, 0, 100, TimeUnit.MILLISECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() >= 5);

            stack.stopPostgres();
            hold(DOWN, api, running);
            stack.startPostgres();
            await().atMost(Duration.ofSeconds(120)).until(() -> api.get("/api/v1/jobs/" + running.get(0)).status() == 200);

            int beforeReadOnly = acknowledged.size();
            readOnly(stack, true);
            hold(READ_ONLY, api, running);
            readOnly(stack, false);
            await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() > beforeReadOnly + 5);
            client.shutdown();
            assertThat(client.awaitTermination(60, TimeUnit.SECONDS)).isTrue();

            for (String id : running) {
                rig.awaitSucceededOnceOnTheFirstAttempt(id, Duration.ofSeconds(300));
                rig.awaitStored(id, rig.delivered(id, 1));
            }
            for (String id : acknowledged) {
                assertThat(api.get("/api/v1/jobs/" + id).status()).as("acknowledged submission " + id).isEqualTo(200);
            }
            assertThat(refusals).as("the outages were felt by the client").isNotEmpty();
            assertThat(refusals).as("refusals are 503 problems, never other 5xx (control plane log: %s)",
                    keep(Stack.logs(home).resolve("control-plane.log"))).doesNotContainKeys(500, 502, 504);
            assertThat(rig.deadLetters()).as("dead-lettered events").isZero();
            System.out.printf("PostgresOutageIT: %d submissions acknowledged and all kept; refused: %s%n",
                    acknowledged.size(), refusals);
        }
    }

    /** Lets the fault last {@code length}; meanwhile the API keeps answering (errors allowed) and no job fails. */
    private static void hold(Duration length, Api api, List<String> running) {
        Instant end = Instant.now().plus(length);
        await().atMost(length.plusSeconds(60)).pollInterval(Duration.ofSeconds(5)).until(() -> {
            for (String id : running) {
                Api.Response r = api.get("/api/v1/jobs/" + id);
                if (r.status() == 200) {
                    assertThat(r.body().path("state").asText()).as(r.raw()).isNotIn("FAILED", "CANCELLED");
                }
            }
            return Instant.now().isAfter(end);
        });
    }

    /** A copy of {@code log} that outlives the test's temporary home. */
    private static Path keep(Path log) throws java.io.IOException {
        Path copy = Path.of("target", "PostgresOutageIT-control-plane.log").toAbsolutePath();
        Files.createDirectories(copy.getParent());
        Files.copy(log, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    /** Switches the whole server read-only (or back) for every session, pooled ones included. */
    private static void readOnly(Stack stack, boolean on) throws Exception {
        try (Connection c = stack.postgres().connect(); Statement s = c.createStatement()) {
            s.execute("set default_transaction_read_only = off");
            s.execute(on ? "alter system set default_transaction_read_only = on"
                    : "alter system reset default_transaction_read_only");
            s.execute("select pg_reload_conf()");
        }
    }
}
