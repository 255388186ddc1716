package dev.athanor.controlplane.it;

/** Request bodies used across integration tests. */
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
}
