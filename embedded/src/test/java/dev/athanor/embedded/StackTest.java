package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The stack orchestration (order, configuration handed to the control plane, lock, stop, resume). */
class StackTest {

    @TempDir
    static Path tmp;
    static Path fakeJar;

    @TempDir
    Path home;

    @BeforeAll
    static void buildFake() throws Exception {
        fakeJar = FakeControlPlaneJar.build(tmp.resolve("fake"));
    }

    private Stack.Options options(Path home, int port) {
        return new Stack.Options(home, port, 2, "127.0.0.1", fakeJar, home.resolve("no-worker.jar"), List.of(),
                Map.of(), Duration.ofSeconds(60));
    }

    @Test
    void startsEverythingHandsOverConfigurationLocksTheHomeStopsCleanlyAndResumes() throws Exception {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(console, true, StandardCharsets.UTF_8);
        int port = Ports.free();
        int pgPort;
        try (Stack stack = Stack.start(options(home, port), out)) {
            pgPort = stack.postgres().port();
            Properties env = load(home.resolve("fake-env.properties"));
            assertThat(env.getProperty("QUARKUS_HTTP_PORT")).isEqualTo(String.valueOf(port));
            assertThat(env.getProperty("QUARKUS_DATASOURCE_JDBC_URL"))
                    .isEqualTo("jdbc:postgresql://127.0.0.1:" + pgPort + "/athanor");
            assertThat(env.getProperty("ATHANOR_KAFKA_BOOTSTRAP_SERVERS")).isEqualTo(stack.kafka().bootstrapServers());
            assertThat(env.getProperty("ATHANOR_LAUNCHER_KIND")).isEqualTo("local");
            assertThat(env.getProperty("ATHANOR_LOCAL_CPU_SLOTS")).isEqualTo("2");
            assertThat(env.getProperty("ATHANOR_LOCAL_WORK_DIR")).isEqualTo(home.resolve("work").toString());
            assertThat(env.getProperty("ATHANOR_HOME")).isEqualTo(home.toString());
            assertThat(env.getProperty("QUARKUS_MANAGEMENT_HOST")).isEqualTo("127.0.0.1");
            assertThat(stack.managementUrl()).isEqualTo("http://127.0.0.1:" + env.getProperty("QUARKUS_MANAGEMENT_PORT"));
            assertThat(get(stack.managementUrl() + "/q/health/ready")).isEqualTo(200);
            assertThat(get(stack.apiUrl() + "/q/health/ready")).as("health is not on the API port").isEqualTo(404);
            assertThat(new StateFile(home.resolve("run.properties")).get("api.url")).isEqualTo(stack.apiUrl());
            assertThat(DemoRunner.runningStackUrl(home)).isEqualTo(stack.apiUrl());

            assertThatThrownBy(() -> Stack.start(options(home, Ports.free()), out))
                    .isInstanceOf(HomeLock.AlreadyRunningException.class)
                    .hasMessageContaining("already running");
            // the failed second start must not have disturbed the first
            assertThat(get(stack.managementUrl() + "/q/health/ready")).isEqualTo(200);
        }
        assertThat(home.resolve("fake-stopped")).as("control plane got SIGTERM and shut down gracefully").exists();
        assertThat(HomeLock.isHeld(home)).isFalse();
        assertThat(Ports.isFree(port)).isTrue();
        assertThat(console.toString(StandardCharsets.UTF_8))
                .containsSubsequence("postgres", "kafka", "control    ready", "control    stopped", "kafka      stopped",
                        "postgres   stopped");

        try (Stack again = Stack.start(options(home, port), out)) {
            assertThat(again.postgres().port()).as("remembered PostgreSQL port").isEqualTo(pgPort);
            assertThat(again.kafka().formattedNow()).as("Kafka storage reused").isFalse();
        }
    }

    @Test
    void failsClearlyWhenTheApiPortIsTaken() throws Exception {
        try (var busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> Stack.start(options(home, busy.getLocalPort()), System.out))
                    .hasMessageContaining("port " + busy.getLocalPort() + " is already in use");
        }
        assertThat(HomeLock.isHeld(home)).as("lock released after a failed start").isFalse();
    }

    @Test
    void benchSubmitPrintsFiguresAndOneJsonObjectAsLastLine() throws Exception {
        System.setProperty("athanor.control-plane.jar", fakeJar.toString());
        PrintStream saved = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int rc;
        try {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            rc = EmbeddedMain.execute("bench", "submit", "--jobs", "400", "--concurrency", "4", "--warmup", "20");
        } finally {
            System.setOut(saved);
            System.clearProperty("athanor.control-plane.jar");
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertThat(rc).as(text).isZero();
        String[] lines = text.strip().split("\n");
        JsonNode json = Api.JSON.readTree(lines[lines.length - 1]);
        assertThat(json.path("benchmark").asText()).isEqualTo("submit");
        assertThat(json.path("http").path("ok").asInt()).isEqualTo(400);
        assertThat(json.path("http").path("errors").asInt()).isZero();
        assertThat(json.path("jdbc").path("ok").asInt()).isEqualTo(400);
        assertThat(json.path("jdbc").path("ops_per_s").asDouble()).isPositive();
        assertThat(json.path("http").path("p99_ms").asDouble()).isGreaterThanOrEqualTo(json.path("http").path("p50_ms").asDouble());
        assertThat(json.path("ratio").asDouble()).isPositive();
        assertThat(json.path("machine").path("cores").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(text).contains("Ratio HTTP/JDBC throughput").contains("HTTP p99");
    }

    private static Properties load(Path p) throws Exception {
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p)) {
            props.load(r);
        }
        return props;
    }

    private static int get(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
