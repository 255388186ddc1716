package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.launch.AttemptKey;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the fault tests share: a generated image dataset, a slow VLM test double (speaks the vLLM/OpenAI chat wire
 * format) that keeps labeling workers busy, submissions against it, and the ground truth to check storage against:
 * each worker's own count of what it delivered, the rows in PostgreSQL, the dead-letter counter.
 */
final class LabelingRig implements AutoCloseable {
    private static final Pattern DELIVERED = Pattern.compile(
            "\\[athanor-worker] delivered (\\d+) events \\((\\d+) log lines, (\\d+) metric points\\)");

    /** What one worker says it delivered when it exited. */
    record Delivered(long events, long logLines, long metricPoints) {
    }

    final Path home;
    final Path data;
    final int vlmPort;
    final Process vlm;
    /** The real stack (PostgreSQL, Kafka, control plane with 2 CPU slots) in {@code home}. */
    final Stack stack;
    final Api api;

    private LabelingRig(Path home, Path data, int vlmPort, Process vlm, Stack stack) {
        this.home = home;
        this.data = data;
        this.vlmPort = vlmPort;
        this.vlm = vlm;
        this.stack = stack;
        this.api = new Api(stack.apiUrl(), Api.tokenFor(home));
    }

    /**
     * Generates {@code images} images under {@code home/data}, starts the VLM double with that delay per image, and
     * the stack; fails (never skips) when the jars are not built.
     */
    static LabelingRig start(Path home, int images, int delayMs) throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        Path workerJar = repo.workerJar();
        assertThat(Files.isRegularFile(repo.controlPlaneJar()) && Files.isRegularFile(workerJar))
                .as("build the control plane and worker first (./mvnw -B -q -pl control-plane,worker -am package -DskipTests)")
                .isTrue();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path data = home.resolve("data");
        Process gen = new ProcessBuilder(java, "-cp", workerJar.toString(), "dev.athanor.worker.demo.DemoDataset",
                data.toString(), String.valueOf(images), "7").redirectErrorStream(true)
                .redirectOutput(home.resolve("gen.log").toFile()).start();
        assertThat(gen.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(gen.exitValue()).isZero();
        int port = Ports.free();
        ProcessBuilder vpb = new ProcessBuilder(java, "-cp", workerJar.toString(),
                "dev.athanor.worker.testdouble.VlmTestDouble", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(home.resolve("vlm.log").toFile());
        vpb.environment().put("VLM_TEST_DOUBLE_DELAY_MS", String.valueOf(delayMs));
        Process vlm = vpb.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> listening(port));
            Stack.Options o = new Stack.Options(home, Ports.free(), 2, "127.0.0.1", repo.controlPlaneJar(), workerJar,
                    List.of(), Map.of(), Duration.ofSeconds(180));
            Stack stack = Stack.start(o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            return new LabelingRig(home, data, port, vlm, stack);
        } catch (Exception | Error e) {
            vlm.destroyForcibly();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            stack.close();
        } finally {
            vlm.destroyForcibly();
        }
    }

    private static boolean listening(int port) {
        try (var s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Submits a labeling job of team {@code default} over the whole dataset; returns its id. */
    String submit(String name, int maxAttempts) throws Exception {
        String body = """
                {"name": "%s", "team": "default", "kind": "LABELING", "maxAttempts": %d, "retryBackoffSeconds": 0,
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://127.0.0.1:%d/v1",
                          "model": "athanor-demo-vlm", "concurrency": 1}}
                """.formatted(name, maxAttempts, data.resolve("images"), data.resolve(name + ".jsonl"), vlmPort);
        Api.Response r = api.post("/api/v1/jobs", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body().path("id").asText();
    }

    /**
     * Waits for the job to end, then asserts it SUCCEEDED on its first attempt (only infrastructure failed, which must
     * cost no attempt) with exactly one terminal state in its timeline.
     */
    void awaitSucceededOnceOnTheFirstAttempt(String jobId, Duration max) throws Exception {
        await().atMost(max).until(() -> terminal(api.get("/api/v1/jobs/" + jobId).body().path("state").asText()));
        JsonNode j = api.get("/api/v1/jobs/" + jobId).body();
        assertThat(j.path("state").asText()).as(j.toString()).isEqualTo("SUCCEEDED");
        assertThat(j.path("attempt").asInt()).as("no retry: only the infrastructure failed").isEqualTo(1);
        List<String> to = new ArrayList<>();
        api.get("/api/v1/jobs/" + jobId + "/timeline").body().path("items").forEach(t -> to.add(t.path("to").asText()));
        assertThat(to.stream().filter(LabelingRig::terminal).count()).as("one terminal state in " + to).isEqualTo(1);
    }

    /** The summary line worker 0 of the job's attempt wrote when it exited. */
    Delivered delivered(String jobId, int attempt) throws Exception {
        Path log = home.resolve("work").resolve(new AttemptKey(UUID.fromString(jobId), attempt).name())
                .resolve("worker-0").resolve("worker.log");
        String text = Files.readString(log);
        Matcher m = DELIVERED.matcher(text);
        assertThat(m.find()).as("the worker's summary line in " + log + ":\n" + text).isTrue();
        return new Delivered(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)));
    }

    long count(String sql, String jobId) throws Exception {
        try (Connection c = stack.postgres().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, UUID.fromString(jobId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Waits until PostgreSQL holds exactly the log lines and metric points the worker delivered. */
    void awaitStored(String jobId, Delivered d) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(count("select count(*) from log_line where job_id = ?", jobId))
                    .as("log lines of %s stored", jobId).isEqualTo(d.logLines());
            assertThat(count("select count(*) from metric_point where job_id = ?", jobId))
                    .as("metric points of %s stored", jobId).isEqualTo(d.metricPoints());
        });
    }

    /** The control plane's count of dead-lettered events (management port, Prometheus format). */
    double deadLetters() throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(stack.managementUrl() + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        Matcher m = Pattern.compile("(?m)^athanor_ingest_dead_letters_total(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(r.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    static boolean terminal(String state) {
        return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
    }
}
