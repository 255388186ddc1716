package dev.athanor.controlplane.it;

import dev.athanor.common.launch.AttemptKey;
import dev.athanor.worker.demo.DemoDataset;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import dev.athanor.worker.testdouble.VlmTestDouble;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;

/**
 * End to end on one machine: HTTP submit → PostgreSQL → local launcher → the real worker jar as a child process →
 * events over real Kafka → job state, timeline, metric series and logs, all served after the worker has exited.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
class EndToEndIT {
    static DemoDataset.Layout data;
    static Path out;
    static VlmTestDouble vlm;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void dataset() throws Exception {
        TestAuth.asAdmin();
        TestAuth.team("e2e");
        Path root = Files.createTempDirectory("athanor-e2e");
        data = DemoDataset.generate(root.resolve("data"), 24, 11);
        out = root.resolve("out");
        // A slow VLM (test double for a vLLM server) keeps labeling jobs running long enough to kill or cancel.
        vlm = new VlmTestDouble(0, null, List.of(VlmTestDouble.DEFAULT_MODEL)).start();
        vlm.setDelayMillis(400);
    }

    @AfterAll
    static void stopVlm() {
        vlm.close();
    }

    static String slowLabeling(String name, int maxAttempts) {
        return """
                {"name": "%s", "team": "e2e", "kind": "LABELING", "maxAttempts": %d, "retryBackoffSeconds": 0,
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "%s", "model": "%s", "concurrency": 1}}
                """.formatted(name, maxAttempts, data.imagesDir(), out.resolve(name + ".jsonl"), vlm.baseUrl(),
                VlmTestDouble.DEFAULT_MODEL);
    }

    static String submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs")
                .then().statusCode(201).extract().path("id");
    }

    static String state(String id) {
        return given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().path("state");
    }

    static void awaitState(String id, String expected, Duration max) {
        await().atMost(max).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                assertThat(state(id)).isEqualTo(expected));
    }

    @Test
    void augmentationRunsToSuccessAndItsHistoryOutlivesTheWorker() {
        String id = submit(Jobs.augmentation("aug-e2e", "e2e", data.imagesDir().toString(), out.resolve("aug").toString()));
        awaitState(id, "SUCCEEDED", Duration.ofSeconds(120));

        given().get("/api/v1/jobs/" + id).then()
                .body("progress.fraction", equalTo(1.0f))
                .body("attempt", equalTo(1))
                .body("reason", equalTo("Completed"));
        given().get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200)
                .body("items.to", equalTo(List.of("PENDING", "ADMITTED", "LAUNCHING", "RUNNING", "SUCCEEDED")));
        given().get("/api/v1/jobs/" + id + "/attempts").then()
                .body("items[0].state", equalTo("SUCCEEDED"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            given().get("/api/v1/jobs/" + id + "/metrics").then().body("names", hasItem("images_per_second"));
            given().get("/api/v1/jobs/" + id + "/logs").then().body("items.size()", greaterThan(0));
            given().get("/api/v1/jobs/" + id + "/artifacts").then().body("items.size()", greaterThan(0));
        });
        String text = given().accept("text/plain").get("/api/v1/jobs/" + id + "/logs").then().statusCode(200)
                .contentType("text/plain").extract().asString();
        assertThat(text).isNotBlank();
        try (Stream<Path> files = Files.list(out.resolve("aug"))) {
            assertThat(files.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(2L * data.count());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aWorkerKilledMidRunFailsItsAttemptWithAReasonAndTheJobIsRetried() throws Exception {
        String id = submit(slowLabeling("label-killed", 2));
        awaitState(id, "RUNNING", Duration.ofSeconds(120));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("progress.step", greaterThan(0)));
        Path pidFile = TestInfra.home().resolve("work").resolve(new AttemptKey(UUID.fromString(id), 1).name())
                .resolve("worker-0").resolve("worker.pid");
        long pid = Long.parseLong(Files.readAllLines(pidFile).get(0).trim());
        ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
        assertThat(worker.destroyForcibly()).isTrue();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.to", hasItem("RETRYING")));
        List<String> reasons = given().get("/api/v1/jobs/" + id + "/timeline").then().extract().path("items.reason");
        assertThat(reasons).contains("Killed", "Backoff");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("attempt", equalTo(2)));
        given().get("/api/v1/jobs/" + id + "/attempts").then()
                .body("items[0].exitCode", equalTo(137)).body("items[0].reason", equalTo("Killed"));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        awaitState(id, "CANCELLED", Duration.ofSeconds(60));
    }

    @Test
    void aFrozenWorkerWhoseHeartbeatsStopIsStoppedAndRetried() throws Exception {
        String id = submit(slowLabeling("label-frozen", 2));
        awaitState(id, "RUNNING", Duration.ofSeconds(120));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("progress.step", greaterThan(0)));
        Path pidFile = TestInfra.home().resolve("work").resolve(new AttemptKey(UUID.fromString(id), 1).name())
                .resolve("worker-0").resolve("worker.pid");
        String pid = Files.readAllLines(pidFile).get(0).trim();
        Process stop = new ProcessBuilder("kill", "-STOP", pid).start();
        assertThat(stop.waitFor()).isZero();

        await().atMost(Duration.ofSeconds(90)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.reason", hasItem("HeartbeatLost")));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("attempt", equalTo(2)));
        given().get("/api/v1/jobs/" + id + "/attempts").then().body("items[0].reason", equalTo("HeartbeatLost"));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
        awaitState(id, "CANCELLED", Duration.ofSeconds(60));
    }

    @Test
    void cancelStopsARunningWorkerAndLiveEventsStreamOverSse() throws Exception {
        String id = submit(slowLabeling("label-cancel", 1));
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + "api/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").header("Authorization", TestAuth.bearer(TestAuth.ADMIN)).build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        synchronized (events) {
                            events.add(line.substring(6).trim());
                        }
                    }
                }
            } catch (Exception ignored) {
                // stream closed
            }
        });
        reader.start();
        await().atMost(Duration.ofSeconds(120)).untilAsserted(() -> {
            synchronized (events) {
                assertThat(events).contains("job", "progress");
            }
        });
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("cancelRequested", equalTo(true));
        awaitState(id, "CANCELLED", Duration.ofSeconds(60));
        reader.join(30_000);
        assertThat(reader.isAlive()).as("the SSE stream ends once the job is terminal").isFalse();
        synchronized (events) {
            assertThat(events).contains("state");
        }
        given().get("/api/v1/jobs/" + id + "/attempts").then().body("items[0].exitCode", equalTo(143));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(409);
    }
}
