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
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The `athanor` CLI (the real jar, as a user runs it) against the real embedded stack: submit, list, get, watch,
 * logs, cancel, and the exit codes for invalid files, unknown jobs and finished jobs.
 */
class CliIT {

    @TempDir
    Path home;

    record Run(int exit, String out) {
    }

    @Test
    void cliDrivesARealJobFromFileToLogs() throws Exception {
        RepoLayout repo = new RepoLayout(Path.of(System.getProperty("athanor.repo", "..")));
        Path cli = repo.root().resolve(RepoLayout.CLI_JAR);
        assertTrue(Files.isRegularFile(repo.controlPlaneJar()) && Files.isRegularFile(repo.workerJar())
                && Files.isRegularFile(cli), "build the control plane, worker and cli jars first");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path data = home.resolve("data");
        Process gen = new ProcessBuilder(java, "-cp", repo.workerJar().toString(), "dev.athanor.worker.demo.DemoDataset",
                data.toString(), "12", "3").redirectErrorStream(true).redirectOutput(home.resolve("gen.log").toFile()).start();
        assertThat(gen.waitFor(120, TimeUnit.SECONDS)).isTrue();

        Stack.Options o = new Stack.Options(home, Ports.free(), 2, "127.0.0.1", repo.controlPlaneJar(), repo.workerJar(),
                List.of(), Map.of(), Duration.ofSeconds(180));
        try (Stack stack = Stack.start(o, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            String server = stack.apiUrl();

            Path bad = home.resolve("bad.yaml");
            Files.writeString(bad, """
                    name: aug-cli
                    team: default
                    kind: AUGMENTATION
                    spec:
                      inputDir: /in
                      outputDir: /out
                      strenght: 0.6
                    """);
            Run invalid = cli(java, cli, server, "submit", bad.toString());
            assertThat(invalid.exit()).as(invalid.out()).isEqualTo(2);
            assertThat(invalid.out()).contains("spec.strenght").contains("strength");
            assertThat(new Api(server, Api.tokenFor(home)).get("/api/v1/jobs?team=default").body().path("items").size())
                    .as("an invalid file submits nothing").isZero();

            Path good = home.resolve("job.yaml");
            Files.writeString(good, """
                    name: aug-cli
                    team: default
                    kind: AUGMENTATION
                    resources: {gpusPerWorker: 0, workers: 1}
                    spec:
                      inputDir: %s
                      outputDir: %s
                      operations: [hflip, blur]
                    """.formatted(data.resolve("images"), home.resolve("out")));
            Run submitted = cli(java, cli, server, "submit", good.toString(), "-o", "json");
            assertThat(submitted.exit()).as(submitted.out()).isZero();
            JsonNode job = Api.JSON.readTree(submitted.out().substring(submitted.out().indexOf('{')));
            String id = job.path("id").asText();
            assertThat(UUID.fromString(id)).isNotNull();

            Run watch = cli(java, cli, server, "watch", id);
            assertThat(watch.exit()).as(watch.out()).isZero();
            assertThat(watch.out()).contains("SUCCEEDED");

            Run list = cli(java, cli, server, "list", "--team", "default");
            assertThat(list.exit()).as(list.out()).isZero();
            assertThat(list.out()).contains("aug-cli").contains("SUCCEEDED");

            Run get = cli(java, cli, server, "get", id);
            assertThat(get.exit()).as(get.out()).isZero();
            assertThat(get.out()).contains(id).contains("SUCCEEDED");

            Run logs = cli(java, cli, server, "logs", id);
            assertThat(logs.exit()).as(logs.out()).isZero();
            assertThat(logs.out()).contains("augment");

            Run cancel = cli(java, cli, server, "cancel", id);
            assertThat(cancel.exit()).as("cancelling a finished job: " + cancel.out()).isEqualTo(1);

            Run missing = cli(java, cli, server, "get", UUID.randomUUID().toString());
            assertThat(missing.exit()).as(missing.out()).isEqualTo(4);

            // identity: the CLI found the admin token in HOME/admin-token (ATHANOR_HOME) all along
            Run me = cli(java, cli, server, "whoami");
            assertThat(me.exit()).as(me.out()).isZero();
            assertThat(me.out()).contains("admin").contains("cluster admin");
            Run member = cli(java, cli, server, "member", "set", "default", "vera", "VIEWER");
            assertThat(member.exit()).as(member.out()).isZero();
            assertThat(member.out()).contains("vera is VIEWER in team default");
            Path created = Files.createTempFile(home, "token", ".out");
            ProcessBuilder tpb = new ProcessBuilder(java, "-jar", cli.toString(), "--server", server, "token", "create",
                    "vera-laptop", "--subject", "vera").redirectOutput(created.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD);
            tpb.environment().remove("ATHANOR_TOKEN");
            tpb.environment().put("ATHANOR_HOME", home.toString());
            Process tp = tpb.start();
            assertThat(tp.waitFor(120, TimeUnit.SECONDS)).isTrue();
            String vera = Files.readString(created).trim();
            assertThat(vera).as("stdout holds only the secret").startsWith("ath_").doesNotContain("\n");
            Run viewerGet = cli(java, cli, server, "--token", vera, "get", id);
            assertThat(viewerGet.exit()).as(viewerGet.out()).isZero();
            Run viewerSubmit = cli(java, cli, server, "--token", vera, "submit", good.toString());
            assertThat(viewerSubmit.exit()).as(viewerSubmit.out()).isEqualTo(1);
            assertThat(viewerSubmit.out()).contains("you cannot submit for team default").contains("forbidden");
            Run bogus = cli(java, cli, server, "--token", "ath_not-a-real-token-0000000000", "list");
            assertThat(bogus.exit()).as(bogus.out()).isEqualTo(1);
            assertThat(bogus.out()).contains("invalid token").contains("not authenticated");
        }
    }

    private Run cli(String java, Path jar, String server, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java, "-jar", jar.toString(), "--server", server));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(home, "cli", ".out");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
        pb.environment().remove("ATHANOR_TOKEN");
        pb.environment().put("ATHANOR_HOME", home.toString());
        Process p = pb.start();
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("cli " + List.of(args) + " finished").isTrue();
        return new Run(p.exitValue(), Files.readString(out));
    }
}
