package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Crash safety of the whole stack: the control plane is killed (SIGKILL) while jobs run. One worker keeps running
 * and is adopted by the restarted control plane; another worker dies while no control plane is up and its job is
 * retried. Nothing acknowledged is lost and every job ends in exactly one terminal state.
 */
class RestartIT {

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
    void killingTheControlPlaneMidRunLosesNoJob() throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        Path cp = repo.controlPlaneJar();
        Path worker = repo.workerJar();
        assertTrue(Files.isRegularFile(cp) && Files.isRegularFile(worker),
                "build the control plane and worker first (./mvnw -B -q -pl control-plane,worker -am package -DskipTests)");
        // A slow VLM (test double for a vLLM server): ~0.3 s per image keeps the labeling workers busy for a while.
        rig = LabelingRig.start(home, worker, 30, 300);

        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Stack.Options o = new Stack.Options(home, Ports.free(), 2, "127.0.0.1", cp, worker, List.of(), Map.of(),
                Duration.ofSeconds(180));
        try (Stack stack = Stack.start(o, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            Api api = new Api(stack.apiUrl(), Api.tokenFor(home));
            String adopted = rig.submit(api, "survivor", 1);
            String retried = rig.submit(api, "orphan", 2);
            for (String id : List.of(adopted, retried)) {
                await().atMost(Duration.ofSeconds(120)).until(() -> api.get("/api/v1/jobs/" + id).body()
                        .path("progress").path("step").asLong() > 0);
            }

            // Kill the control plane; while it is down, kill one worker too.
            Process control = stack.controlPlane().process();
            control.destroyForcibly();
            assertThat(control.waitFor(30, TimeUnit.SECONDS)).isTrue();
            ProcessHandle orphan = workerOf(retried);
            assertThat(orphan.destroyForcibly()).isTrue();
            await().atMost(Duration.ofSeconds(30)).until(() -> !orphan.isAlive());

            stack.restartControlPlane();

            for (String id : List.of(adopted, retried)) {
                await().atMost(Duration.ofSeconds(180)).until(() ->
                        LabelingRig.terminal(api.get("/api/v1/jobs/" + id).body().path("state").asText()));
            }
            JsonNode a = api.get("/api/v1/jobs/" + adopted).body();
            assertThat(a.path("state").asText()).as(a.toString()).isEqualTo("SUCCEEDED");
            assertThat(a.path("attempt").asInt()).as("the running worker was adopted, not run again").isEqualTo(1);
            JsonNode r = api.get("/api/v1/jobs/" + retried).body();
            assertThat(r.path("state").asText()).as(r.toString()).isEqualTo("SUCCEEDED");
            assertThat(r.path("attempt").asInt()).as("the worker that died while we were down was retried").isEqualTo(2);
            for (String id : List.of(adopted, retried)) {
                List<String> to = new ArrayList<>();
                api.get("/api/v1/jobs/" + id + "/timeline").body().path("items").forEach(t -> to.add(t.path("to").asText()));
                assertThat(to.stream().filter(LabelingRig::terminal).count()).as("one terminal state in " + to).isEqualTo(1);
            }
            List<String> reasons = new ArrayList<>();
            api.get("/api/v1/jobs/" + retried + "/timeline").body().path("items")
                    .forEach(t -> reasons.add(t.path("reason").asText()));
            assertThat(reasons).contains("Backoff");
            assertThat(api.get("/api/v1/jobs/" + adopted + "/logs").body().path("items").size()).isPositive();
        }
    }

    private ProcessHandle workerOf(String jobId) throws Exception {
        Path pid = home.resolve("work").resolve(new AttemptKey(UUID.fromString(jobId), 1).name())
                .resolve("worker-0").resolve("worker.pid");
        long p = Long.parseLong(Files.readAllLines(pid).get(0).trim());
        return ProcessHandle.of(p).orElseThrow();
    }
}
