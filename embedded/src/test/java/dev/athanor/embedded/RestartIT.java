package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Crash safety of the whole stack: the control plane is killed (SIGKILL) while jobs run. One worker keeps running
 * and is adopted by the restarted control plane; another worker dies while no control plane is up and its job is
 * retried. Nothing acknowledged is lost and every job ends in exactly one terminal state.
 */
class RestartIT {

    @TempDir
    Path home;
    @Test
    void killingTheControlPlaneMidRunLosesNoJob() throws Exception {
        // A slow VLM (test double for a vLLM server): ~0.3 s per image keeps the labeling workers busy for a while.
        try (LabelingRig rig = LabelingRig.start(home, 30, 300)) {
            Stack stack = rig.stack;
            Api api = rig.api;
            String adopted = rig.submit("survivor", 1);
            String retried = rig.submit("orphan", 2);
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
