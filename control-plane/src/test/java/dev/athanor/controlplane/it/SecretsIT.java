package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/**
 * Team secrets (issue 8, defect 1) against the real PostgreSQL and the embedded mode's file store: two teams, each
 * with a team admin and a member. Jobs stay PENDING (no dispatch); the launchers' side is covered by
 * {@code LocalProcessLauncherTest} and {@code WorkerPodModelTest}.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class SecretsIT {
    static String teamA;
    static String teamB;
    static String adminA;
    static String memberA;
    static String adminB;
    static String memberB;
    static final List<String> values = new ArrayList<>();
    static final ConcurrentLinkedQueue<String> logLines = new ConcurrentLinkedQueue<>();
    static final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            StringBuilder sb = new StringBuilder(String.valueOf(r.getMessage()));
            if (r.getParameters() != null) {
                for (Object p : r.getParameters()) {
                    sb.append(' ').append(p);
                }
            }
            for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                sb.append(' ').append(t);
            }
            logLines.add(sb.toString());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static RequestSpecification as(String token) {
        return given().header("Authorization", TestAuth.bearer(token));
    }

    static String value() {
        String v = "sk-" + UUID.randomUUID();
        values.add(v);
        return v;
    }

    static String token(String subject) {
        return as(TestAuth.ADMIN).contentType(ContentType.JSON).body(Map.of("name", "it-" + subject, "subject", subject))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
    }

    static void member(String team, String subject, String role) {
        as(TestAuth.ADMIN).contentType(ContentType.JSON).body(Map.of("role", role))
                .put("/api/v1/teams/" + team + "/members/" + subject).then().statusCode(201);
    }

    static Response putSecret(String token, String team, String name, String value) {
        return as(token).contentType(ContentType.JSON).body(Map.of("value", value))
                .put("/api/v1/teams/" + team + "/secrets/" + name);
    }

    static String labeling(String team, String secret) {
        return """
                {"name": "label-it", "team": "%s", "kind": "LABELING",
                 "resources": {"gpusPerWorker": 0, "workers": 1, "cpu": 1, "memory": "1Gi"},
                 "spec": {"inputDir": "in", "outputFile": "out/labels.jsonl", "endpoint": "http://vllm:8000/v1",
                          "model": "internvl3", "apiKeySecret": "%s"}}
                """.formatted(team, secret);
    }

    static Response submit(String token, String body) {
        return as(token).contentType(ContentType.JSON).body(body).post("/api/v1/jobs");
    }

    @BeforeAll
    static void captureLogs() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterAll
    static void noValueEverReachedALog() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
        for (String v : values) {
            assertThat(logLines).noneMatch(l -> l.contains(v));
        }
    }

    @BeforeEach
    void setUp() {
        TestAuth.anonymous();
        if (teamA != null) {
            return;
        }
        teamA = TestAuth.team(unique("sa"));
        teamB = TestAuth.team(unique("sb"));
        String aa = unique("ann");
        String ma = unique("max");
        String ab = unique("bea");
        String mb = unique("ben");
        member(teamA, aa, "TEAM_ADMIN");
        member(teamA, ma, "MEMBER");
        member(teamB, ab, "TEAM_ADMIN");
        member(teamB, mb, "MEMBER");
        adminA = token(aa);
        memberA = token(ma);
        adminB = token(ab);
        memberB = token(mb);
    }

    @Test
    void defect1MemberCannotUseAnotherTeamsSecret() {
        putSecret(adminA, teamA, "vlm-key", value()).then().statusCode(201);

        // team B names team A's secret: refused, and worded exactly as for a secret that exists nowhere
        Response other = submit(memberB, labeling(teamB, "vlm-key"));
        Response missing = submit(memberB, labeling(teamB, "no-such-key"));
        other.then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("spec.apiKeySecret"));
        missing.then().statusCode(400).contentType("application/problem+json");
        assertThat(other.jsonPath().getString("detail")).isEqualTo(missing.jsonPath().getString("detail"));
        assertThat(other.jsonPath().getList("errors")).isEqualTo(missing.jsonPath().getList("errors"));
        assertThat(other.jsonPath().getString("title")).isEqualTo(missing.jsonPath().getString("title"));
        assertThat(other.asString()).doesNotContain(teamA);

        // a name that is no secret name at all answers the same way too
        Response odd = submit(memberB, labeling(teamB, "Odd.Name"));
        assertThat(odd.jsonPath().getList("errors")).isEqualTo(missing.jsonPath().getList("errors"));

        // team A's own members may use it
        submit(memberA, labeling(teamA, "vlm-key")).then().statusCode(201).body("team", equalTo(teamA));
        // and once team B has a secret of that name, it uses its own
        putSecret(adminB, teamB, "vlm-key", value()).then().statusCode(201);
        submit(memberB, labeling(teamB, "vlm-key")).then().statusCode(201);
    }

    @Test
    void anotherTeamCannotListPutOrDeleteATeamsSecrets() {
        putSecret(adminA, teamA, "hf-token", value()).then().statusCode(201);
        String theirs = value();

        // another team's admin: 404 as for a team that does not exist; nothing changes
        as(adminB).get("/api/v1/teams/" + teamA + "/secrets").then().statusCode(404)
                .contentType("application/problem+json");
        putSecret(adminB, teamA, "hf-token", theirs).then().statusCode(404);
        putSecret(adminB, teamA, "planted", theirs).then().statusCode(404);
        as(adminB).delete("/api/v1/teams/" + teamA + "/secrets/hf-token").then().statusCode(404);
        // members and viewers of the team itself are not team admins
        as(memberA).get("/api/v1/teams/" + teamA + "/secrets").then().statusCode(403);
        putSecret(memberA, teamA, "hf-token", theirs).then().statusCode(403);

        as(adminA).get("/api/v1/teams/" + teamA + "/secrets").then().statusCode(200)
                .body("items.name", org.hamcrest.Matchers.hasItem("hf-token"))
                .body("items.name", not(org.hamcrest.Matchers.hasItem("planted")));
        Path file = TestInfra.home().resolve("secrets").resolve(teamA).resolve("hf-token");
        assertThat(file).exists();
        assertThat(TestInfra.home().resolve("secrets").resolve(teamA).resolve("planted")).doesNotExist();
    }

    @Test
    void valuesAreWriteOnlyAuditedWithoutValueAndStored0600() throws Exception {
        String v1 = value();
        String v2 = value();
        Response created = putSecret(adminA, teamA, "api-key", v1);
        created.then().statusCode(201).body("name", equalTo("api-key")).body("createdAt", notNullValue())
                .body("updatedAt", notNullValue()).body("$", not(hasKey("value")));
        Response updated = putSecret(TestAuth.ADMIN, teamA, "api-key", v2);
        updated.then().statusCode(200).body("createdAt", equalTo(created.jsonPath().getString("createdAt")));
        Response list = as(adminA).get("/api/v1/teams/" + teamA + "/secrets");
        list.then().statusCode(200).body("items.find { it.name == 'api-key' }.updatedAt", notNullValue());
        for (Response r : List.of(created, updated, list)) {
            assertThat(r.asString()).doesNotContain(v1).doesNotContain(v2);
        }

        Path dir = TestInfra.home().resolve("secrets").resolve(teamA);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.getParent()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("api-key"))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir.resolve("api-key"))).isEqualTo(v2);

        as(adminA).delete("/api/v1/teams/" + teamA + "/secrets/api-key").then().statusCode(204);
        as(adminA).delete("/api/v1/teams/" + teamA + "/secrets/api-key").then().statusCode(404);
        assertThat(dir.resolve("api-key")).doesNotExist();

        String target = "team/" + teamA + "/secrets/api-key";
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             PreparedStatement ps = c.prepareStatement(
                     "select action, cast(details as text) from audit_event where target = ? order by id")) {
            ps.setString(1, target);
            List<String> actions = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    actions.add(rs.getString(1));
                    assertThat(rs.getString(2)).doesNotContain(v1).doesNotContain(v2);
                }
            }
            assertThat(actions).containsExactly("secret.create", "secret.update", "secret.delete");
        }
        // no value anywhere in the audit log, the jobs or their transitions
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select coalesce(string_agg(cast(details as text), ' '), '') from audit_event")) {
            rs.next();
            for (String v : values) {
                assertThat(rs.getString(1)).doesNotContain(v);
            }
        }
    }

    @Test
    void badNamesAndValuesAre400sNamingTheField() {
        putSecret(adminA, teamA, "Not_A_Label", "x").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("name"));
        putSecret(adminA, teamA, "ok-name", "").then().statusCode(400).body("errors[0].field", equalTo("value"));
        putSecret(adminA, teamA, "ok-name", "x".repeat(64 * 1024 + 1)).then().statusCode(400)
                .body("errors[0].field", equalTo("value"));
        as(adminA).contentType(ContentType.JSON).body("{\"value\": \"x\", \"extra\": 1}")
                .put("/api/v1/teams/" + teamA + "/secrets/ok-name").then().statusCode(400)
                .body("errors[0].field", equalTo("extra"));
        as(adminA).get("/api/v1/teams/" + teamA + "/secrets").then().statusCode(200)
                .body("items.name", not(org.hamcrest.Matchers.hasItem("ok-name")));
    }
}
