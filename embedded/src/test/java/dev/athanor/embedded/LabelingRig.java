package dev.athanor.embedded;

import dev.athanor.common.launch.AttemptKey;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
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
final class LabelingRig {
    private static final Pattern DELIVERED = Pattern.compile(
            "\\[athanor-worker] delivered (\\d+) events \\((\\d+) log lines, (\\d+) metric points\\)");

    /** What one worker says it delivered when it exited. */
    record Delivered(long events, long logLines, long metricPoints) {
    }

    final Path home;
    final Path data;
    final int vlmPort;
    final Process vlm;

    private LabelingRig(Path home, Path data, int vlmPort, Process vlm) {
        this.home = home;
        this.data = data;
        this.vlmPort = vlmPort;
        this.vlm = vlm;
    }

    /** Generates {@code images} images under {@code home/data} and starts the VLM double with that delay per image. */
    static LabelingRig start(Path home, Path workerJar, int images, int delayMs) throws Exception {
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
        LabelingRig rig = new LabelingRig(home, data, port, vpb.start());
        await().atMost(Duration.ofSeconds(30)).until(rig::vlmListening);
        return rig;
    }

    void stop() {
        vlm.destroyForcibly();
    }

    private boolean vlmListening() {
        try (var s = new java.net.Socket("127.0.0.1", vlmPort)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Submits a labeling job of team {@code default} over the whole dataset; returns its id. */
    String submit(Api api, String name, int maxAttempts) throws Exception {
        String body = """
                {"name": "%s", "team": "default", "kind": "LABELING", "maxAttempts": %d, "retryBackoffSeconds": 0,
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://127.0.0.1:%d/v1",
                          "model": "athanor-demo-vlm", "concurrency": 1}}
                """.formatted(name, maxAttempts, data.resolve("images"), data.resolve(name + ".jsonl"), vlmPort);
        Api.Response r = api.post("/api/v1/jobs", body);
        assertThat(r.status()).as(r.raw()).isEqualTo(201);
        return r.body().path("id").asText();
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

    static long count(Stack stack, String sql, String jobId) throws Exception {
        try (Connection c = stack.postgres().connect(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, UUID.fromString(jobId));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Waits until PostgreSQL holds exactly the log lines and metric points the worker delivered. */
    void awaitStored(Stack stack, String jobId, Delivered d) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(count(stack, "select count(*) from log_line where job_id = ?", jobId))
                    .as("log lines of %s stored", jobId).isEqualTo(d.logLines());
            assertThat(count(stack, "select count(*) from metric_point where job_id = ?", jobId))
                    .as("metric points of %s stored", jobId).isEqualTo(d.metricPoints());
        });
    }

    /** The control plane's count of dead-lettered events (management port, Prometheus format). */
    static double deadLetters(Stack stack) throws Exception {
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
