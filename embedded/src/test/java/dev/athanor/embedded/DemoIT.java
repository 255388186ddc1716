package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: `athanor demo` with the real control plane and worker, then a restart of the stack on the same home to
 * read the four jobs back from the API (which also proves the data survived). Skipped when the jars are not built.
 */
class DemoIT {

    @TempDir
    Path home;

    @Test
    void demoRunsAllFourJobKindsToSuccess() throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        Path cp = repo.controlPlaneJar();
        Path worker = repo.workerJar();
        Path embedded = Path.of(System.getProperty("athanor.embedded.jar", "target/athanor-embedded.jar"));
        assertTrue(Files.isRegularFile(cp), "the control plane is not built (" + cp
                + "); build it with ./mvnw -B -q -pl control-plane -am package -DskipTests");
        assertTrue(Files.isRegularFile(worker), "the worker jar is not built (" + worker
                + "); build it with ./mvnw -B -q -pl worker -am package -DskipTests");
        assertTrue(Files.isRegularFile(embedded), embedded + " is not packaged (./mvnw -pl embedded -am package -DskipTests)");

        int port = Ports.free();
        Path output = home.resolve("demo-output.txt");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(javaBin, "-jar", embedded.toString(), "demo", "--home", home.toString(),
                "--port", String.valueOf(port), "--images", "24", "--timeout", "600")
                .redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().put("ATHANOR_REPO", repo.root().toString());
        Process p = pb.start();
        boolean finished = p.waitFor(12, TimeUnit.MINUTES);
        if (!finished) {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        String text = Files.readString(output, StandardCharsets.UTF_8);
        assertThat(finished).as("demo finished in time:\n" + text).isTrue();
        assertThat(p.exitValue()).as("demo exit code; output:\n" + text).isZero();
        assertThat(text).contains("Demo OK").contains("VLM TEST DOUBLE");
        // the first start printed the admin token once and saved it for the CLI, readable only by its owner
        Path tokenFile = home.resolve("admin-token");
        String token = Files.readString(tokenFile).trim();
        assertThat(token).startsWith("ath_").hasSizeGreaterThan(40);
        assertThat(text).contains("Admin token").containsOnlyOnce(token);
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(tokenFile)))
                .isEqualTo("rw-------");

        // restart the stack on the same home and read the jobs back over the API
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        Stack.Options o = new Stack.Options(home, port, 0, "127.0.0.1", cp, worker, List.of(), Map.of(),
                Duration.ofSeconds(180));
        try (Stack stack = Stack.start(o, new PrintStream(console, true, StandardCharsets.UTF_8))) {
            Api api = new Api(stack.apiUrl(), Api.tokenFor(home));
            assertThat(new Api(stack.apiUrl(), null).get("/api/v1/jobs").status()).isEqualTo(401);
            Api.Response r = api.get("/api/v1/jobs?team=default&limit=50");
            assertThat(r.status()).as(r.raw()).isEqualTo(200);
            List<String> kinds = new ArrayList<>();
            for (JsonNode job : r.body().path("items")) {
                assertThat(job.path("state").asText()).as(job.toString()).isEqualTo("SUCCEEDED");
                kinds.add(job.path("kind").asText());
            }
            assertThat(kinds).containsExactlyInAnyOrder("AUGMENTATION", "LABELING", "FINE_TUNE", "EVALUATION");
            assertThat(console.toString(StandardCharsets.UTF_8)).as("a later start does not print the token again")
                    .doesNotContain(token).doesNotContain("Admin token");
        }
    }
}
