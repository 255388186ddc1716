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

/** whoami, token and member commands, the token's sources and the 401/403 messages, against the API test double. */
class IdentityCommandsTest {
    AthanorApiTestDouble api;

    @TempDir
    Path home;

    @BeforeEach
    void start() throws Exception {
        api = new AthanorApiTestDouble();
        api.on("GET", "/api/v1/whoami", r -> Answer.json(200, "{\"subject\":\"alice\",\"clusterAdmin\":false,"
                + "\"teams\":{\"vision\":\"MEMBER\"},\"token\":{\"id\":\"t1\",\"name\":\"laptop\",\"prefix\":\"ath_abcdef\","
                + "\"expiresAt\":\"2027-02-28T00:00:00Z\"}}"));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void tokenComesFromOptionThenVariableThenTheAdminTokenFile() throws Exception {
        Files.writeString(home.resolve("admin-token"), "ath_from-file-0123456789abcdef\n");
        Map<String, String> env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_HOME", home.toString());
        CliRun r = CliRun.run(env, "whoami");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("subject  alice").contains("vision MEMBER").contains("ath_abcdef…");
        assertThat(api.requests().get(0).header("Authorization")).isEqualTo("Bearer ath_from-file-0123456789abcdef");

        CliRun.run(Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_HOME", home.toString(), "ATHANOR_TOKEN", "ath_env"), "whoami");
        assertThat(api.requests().get(1).header("Authorization")).isEqualTo("Bearer ath_env");
        CliRun.run(env, "whoami", "--token", "ath_opt");
        assertThat(api.requests().get(2).header("Authorization")).isEqualTo("Bearer ath_opt");
        // no HOME, no ATHANOR_HOME, no token: no header at all
        CliRun.run(Map.of("ATHANOR_SERVER", api.url()), "whoami");
        assertThat(api.requests().get(3).header("Authorization")).isNull();
    }

    @Test
    void unauthenticatedAndForbiddenAreClearAndExitWith1() {
        Map<String, String> env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_TOKEN", "ath_revoked");
        api.on("GET", "/api/v1/jobs", r -> Answer.problem(401, "{\"title\":\"Unauthorized\",\"status\":401,"
                + "\"detail\":\"token ath_abcdef… was revoked\"}"));
        CliRun r = CliRun.run(env, "list");
        assertThat(r.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(r.err()).contains("revoked").contains("not authenticated").contains("ATHANOR_TOKEN")
                .doesNotContain("ath_revoked");
        api.on("POST", "/api/v1/tokens", x -> Answer.problem(403, "{\"title\":\"Forbidden\",\"status\":403,"
                + "\"detail\":\"only cluster admins may create cluster-admin tokens\"}"));
        CliRun f = CliRun.run(env, "token", "create", "ci", "--cluster-admin");
        assertThat(f.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(f.err()).contains("only cluster admins").contains("forbidden");
    }

    @Test
    void tokenCreatePrintsOnlyTheSecretOnStdoutAndMemberSetPutsTheRole() throws Exception {
        Map<String, String> env = Map.of("ATHANOR_SERVER", api.url(), "ATHANOR_TOKEN", "ath_admin");
        api.on("POST", "/api/v1/tokens", x -> Answer.json(201, "{\"token\":\"ath_NEWSECRET\",\"id\":\"t2\","
                + "\"name\":\"ci\",\"subject\":\"bob\",\"prefix\":\"ath_NEWSEC\",\"clusterAdmin\":false,"
                + "\"expiresAt\":\"2026-12-30T00:00:00Z\"}"));
        CliRun c = CliRun.run(env, "token", "create", "ci", "--subject", "bob", "--expires-in-days", "30");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).isEqualTo("ath_NEWSECRET\n");
        assertThat(c.err()).contains("shown only once").contains("bob");
        var body = Json.lenient().readTree(api.requests().get(0).body());
        assertThat(body.path("subject").asText()).isEqualTo("bob");
        assertThat(body.path("expiresInDays").asInt()).isEqualTo(30);
        assertThat(body.has("clusterAdmin")).isFalse();

        api.on("PUT", "/api/v1/teams/vision/members/bob", x -> Answer.json(200,
                "{\"team\":\"vision\",\"subject\":\"bob\",\"role\":\"VIEWER\"}"));
        CliRun m = CliRun.run(env, "member", "set", "vision", "bob", "VIEWER");
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out()).isEqualTo("bob is VIEWER in team vision\n");
        assertThat(api.requests().get(1).method()).isEqualTo("PUT");
        assertThat(api.requests().get(1).body()).contains("\"role\":\"VIEWER\"");

        api.on("DELETE", "/api/v1/tokens/t2", x -> Answer.json(200, "{\"id\":\"t2\",\"name\":\"ci\",\"subject\":\"bob\","
                + "\"state\":\"REVOKED\"}"));
        CliRun rv = CliRun.run(env, "token", "revoke", "t2");
        assertThat(rv.out()).isEqualTo("token t2 'ci' of bob revoked\n");
    }
}
