package dev.athanor.controlplane.it;

import dev.athanor.common.job.JobState;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

/** Request bodies used across integration tests, and the clean-up of tests that share one control plane. */
public final class Jobs {
    private Jobs() {
    }

    public static String augmentation(String name, String team, String inputDir, String outputDir) {
        return """
                {"name": "%s", "team": "%s", "kind": "AUGMENTATION",
                 "resources": {"gpusPerWorker": 0, "workers": 1, "cpu": 1, "memory": "1Gi"},
                 "maxAttempts": 2, "retryBackoffSeconds": 0,
                 "spec": {"inputDir": "%s", "outputDir": "%s", "engine": "classical",
                          "outputsPerImage": 2, "operations": ["hflip", "rotate", "color-jitter"], "seed": 7}}
                """.formatted(name, team, inputDir, outputDir);
    }

    /** A valid job whose input directory does not exist: fine for API tests that never run it to the end. */
    public static String simple(String name, String team) {
        return augmentation(name, team, "/nonexistent/in", "/tmp/out-" + name);
    }

    public static String withKey(String name, String team, String key) {
        return simple(name, team).replaceFirst("\"kind\"", "\"idempotencyKey\": \"" + key + "\", \"kind\"");
    }

    /**
     * Cancels every unfinished job of {@code team} (as cluster admin) and waits until each has ended, so that a test
     * class sharing its control plane (and its GPUs) with the next one leaves every GPU free.
     */
    public static void cancelUnfinished(String team) {
        String bearer = TestAuth.bearer(TestAuth.ADMIN);
        String unfinished = String.join(",", Arrays.stream(JobState.values()).filter(s -> !s.isTerminal())
                .map(Enum::name).toList());
        List<String> ids = given().header("Authorization", bearer).queryParam("team", team)
                .queryParam("state", unfinished).queryParam("limit", 500)
                .get("/api/v1/jobs").then().statusCode(200).extract().path("items.id");
        for (String id : ids) {
            given().header("Authorization", bearer).post("/api/v1/jobs/" + id + "/cancel"); // 409 once it has ended
        }
        for (String id : ids) {
            await().atMost(Duration.ofSeconds(60)).until(() -> JobState.valueOf(given().header("Authorization", bearer)
                    .get("/api/v1/jobs/" + id).then().statusCode(200).extract().<String>path("state")).isTerminal());
        }
    }
}
