package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern DELIVERED = Pattern.compile(
            "\\[athanor-worker] delivered (\\d+) events \\((\\d+) log lines, (\\d+) metric points\\)");

    @TempDir
    Path home;
    private final List<Process> children = new ArrayList<>();

    @AfterEach
    void stopChildren() {
        children.forEach(Process::destroyForcibly);
    }

    @Test
    void jobsRideOutABrokerOutageAndEveryEventTheWorkersSentIsStored() throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        Path worker = repo.workerJar();
        assertTrue(Files.isRegularFile(repo.controlPlaneJar()) && Files.isRegularFile(worker),
                "build the control plane and worker first (./mvnw -B -q -pl control-plane,worker -am package -DskipTests)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path data = home.resolve("data");
        Process gen = new ProcessBuilder(java, "-cp", worker.toString(), "dev.athanor.worker.demo.DemoDataset",
                data.toString(), "40", "7").redirectErrorStream(true).redirectOutput(home.resolve("gen.log").toFile()).start();
        assertThat(gen.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(gen.exitValue()).isZero();

        // A slow VLM (test double for a vLLM server): the jobs are still labeling when the broker goes away.
        int vlmPort = Ports.free();
        ProcessBuilder vpb = new ProcessBuilder(java, "-cp", worker.toString(),
                "dev.athanor.worker.testdouble.VlmTestDouble", String.valueOf(vlmPort))
                .redirectErrorStream(true).redirectOutput(home.resolve("vlm.log").toFile());
        vpb.environment().put("VLM_TEST_DOUBLE_DELAY_MS", "750");
        children.add(vpb.start());

        Stack.Options o = new Stack.Options(home, Ports.free(), 2, "127.0.0.1", repo.controlPlaneJar(), worker,
                List.of(), Map.of(), Duration.ofSeconds(180));
        try (Stack stack = Stack.start(o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            Api api = new Api(stack.apiUrl(), Api.tokenFor(home));
            await().atMost(Duration.ofSeconds(30)).until(() -> listening(vlmPort));
            List<String> ids = List.of(submit(api, "outage-a", data, vlmPort), submit(api, "outage-b", data, vlmPort));
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
                        RestartIT.terminal(api.get("/api/v1/jobs/" + id).body().path("state").asText()));
                JsonNode j = api.get("/api/v1/jobs/" + id).body();
                assertThat(j.path("state").asText()).as(j.toString()).isEqualTo("SUCCEEDED");
                assertThat(j.path("attempt").asInt()).as("no retry: only the transport failed").isEqualTo(1);
                List<String> to = new ArrayList<>();
                api.get("/api/v1/jobs/" + id + "/timeline").body().path("items").forEach(t -> to.add(t.path("to").asText()));
                assertThat(to.stream().filter(RestartIT::terminal).count()).as("one terminal state in " + to).isEqualTo(1);
            }
            for (String id : ids) {
                long[] sent = sent(id);
                assertThat(sent[1]).as("the worker logged lines").isPositive();
                assertThat(sent[2]).as("the worker reported metrics").isPositive();
                System.out.printf("KafkaOutageIT: job %s sent %d events (%d log lines, %d metric points) across a %d s outage%n",
                        id, sent[0], sent[1], sent[2], OUTAGE.toSeconds());
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    assertThat(count(stack, "select count(*) from log_line where job_id = ?", id))
                            .as("log lines of %s stored", id).isEqualTo(sent[1]);
                    assertThat(count(stack, "select count(*) from metric_point where job_id = ?", id))
                            .as("metric points of %s stored", id).isEqualTo(sent[2]);
                });
            }
            assertThat(deadLetters(stack)).as("dead-lettered events").isZero();
        }
    }

    /** events, log lines, metric points: what the worker says it delivered when it exited. */
    private long[] sent(String jobId) throws Exception {
        Path log = home.resolve("work").resolve(new AttemptKey(UUID.fromString(jobId), 1).name())
                .resolve("worker-0").resolve("worker.log");
        String text = Files.readString(log);
        Matcher m = DELIVERED.matcher(text);
        assertThat(m.find()).as("the worker's summary line in " + log + ":\n" + text).isTrue();
        return new long[]{Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    private static long count(Stack stack, String sql, String jobId) throws Exception {
        try (Connection c = stack.postgres().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, UUID.fromString(jobId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static double deadLetters(Stack stack) throws Exception {
        HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.managementUrl() + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^athanor_ingest_dead_letters_total(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    private static boolean listening(int port) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static String submit(Api api, String name, Path data, int vlmPort) throws Exception {
        String body = """
                {"name": "%s", "team": "default", "kind": "LABELING", "maxAttempts": 1,
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://127.0.0.1:%d/v1",
                          "model": "athanor-demo-vlm", "concurrency": 1}}
                """.formatted(name, data.resolve("images"), data.resolve(name + ".jsonl"), vlmPort);
        Api.Response r = api.post("/api/v1/jobs", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body().path("id").asText();
    }
}
