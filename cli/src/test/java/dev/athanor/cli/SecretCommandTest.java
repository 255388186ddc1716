package dev.athanor.cli;

import dev.athanor.cli.AthanorApiTestDouble.Answer;
import dev.athanor.common.json.Json;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code athanor secret set|list|remove} against the API test double: values never come from the command line. */
class SecretCommandTest {
    AthanorApiTestDouble api;

    @TempDir
    Path tmp;

    @BeforeEach
    void start() throws Exception {
        api = new AthanorApiTestDouble();
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void setReadsTheValueFromAFileOrTheEnvironmentAndNeverPrintsIt() throws Exception {
        api.on("PUT", "/api/v1/teams/vision/secrets/vlm-key", r -> Answer.json(201,
                "{\"name\":\"vlm-key\",\"createdAt\":\"2026-12-07T10:00:00Z\",\"updatedAt\":\"2026-12-07T10:00:00Z\"}"));
        Path f = tmp.resolve("key");
        Files.writeString(f, "sk-from-file");
        Map<String, String> env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_TOKEN", "ath_admin",
                "VLM_KEY", "sk-from-env");

        CliRun a = CliRun.run(env, "secret", "set", "vision", "vlm-key", "--from-file", f.toString());
        assertThat(a.code()).as(a.err()).isZero();
        assertThat(a.out()).contains("vlm-key").contains("vision").doesNotContain("sk-from-file");
        assertThat(Json.lenient().readTree(api.requests().get(0).body()).path("value").asText()).isEqualTo("sk-from-file");

        CliRun b = CliRun.run(env, "secret", "set", "vision", "vlm-key", "--from-env", "VLM_KEY");
        assertThat(b.code()).as(b.err()).isZero();
        assertThat(b.out()).doesNotContain("sk-from-env");
        assertThat(Json.lenient().readTree(api.requests().get(1).body()).path("value").asText()).isEqualTo("sk-from-env");

        CliRun none = CliRun.run(env, "secret", "set", "vision", "vlm-key");
        assertThat(none.code()).isEqualTo(ExitCodes.INVALID);
        CliRun unset = CliRun.run(env, "secret", "set", "vision", "vlm-key", "--from-env", "NOPE");
        assertThat(unset.code()).isEqualTo(ExitCodes.INVALID);
        assertThat(unset.err()).contains("NOPE");
        assertThat(api.requests()).hasSize(2);
    }

    @Test
    void listShowsNamesAndTimesAndRemoveDeletes() {
        api.on("GET", "/api/v1/teams/vision/secrets", r -> Answer.json(200, "{\"items\":[{\"name\":\"vlm-key\","
                + "\"createdAt\":\"2026-12-07T10:00:00Z\",\"updatedAt\":\"2026-12-07T11:00:00Z\"}]}"));
        api.on("DELETE", "/api/v1/teams/vision/secrets/vlm-key", r -> Answer.json(204, ""));
        Map<String, String> env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_TOKEN", "ath_admin");

        CliRun l = CliRun.run(env, "secret", "list", "vision");
        assertThat(l.code()).as(l.err()).isZero();
        assertThat(l.out()).contains("NAME").contains("vlm-key").contains("2026-12-07");
        CliRun d = CliRun.run(env, "secret", "remove", "vision", "vlm-key");
        assertThat(d.code()).as(d.err()).isZero();
        assertThat(d.out()).isEqualTo("secret vlm-key of team vision deleted\n");
        assertThat(api.requests().get(1).method()).isEqualTo("DELETE");
    }
}
