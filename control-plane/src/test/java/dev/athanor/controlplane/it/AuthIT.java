package dev.athanor.controlplane.it;

import dev.athanor.controlplane.auth.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/**
 * Identity and access against the real PostgreSQL: two teams with member tokens, a viewer, a team admin and the
 * bootstrap cluster admin. Jobs stay PENDING (no dispatch) so they can be cancelled at will.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuthIT {
    static final String[] JOB_READS = {"", "/timeline", "/attempts", "/metrics", "/logs", "/artifacts"};

    static String teamA;
    static String teamB;
    static String alice;
    static String bob;
    static String viewer;
    static String carol;
    static final List<String> secrets = new ArrayList<>();
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

    static RequestSpecification admin() {
        return as(TestAuth.ADMIN);
    }

    /** Creates a token (as {@code creator}) for {@code subject}; remembers the secret for the leak checks. */
    static String token(String creator, String subject) {
        String secret = as(creator).contentType(ContentType.JSON)
                .body(Map.of("name", "it-" + subject, "subject", subject))
                .post("/api/v1/tokens").then().statusCode(201)
                .body("subject", equalTo(subject)).body("token", startsWith("ath_"))
                .extract().path("token");
        secrets.add(secret);
        return secret;
    }

    static void member(String team, String subject, String role) {
        admin().contentType(ContentType.JSON).body(Map.of("role", role))
                .put("/api/v1/teams/" + team + "/members/" + subject).then().statusCode(equalTo(201));
    }

    static String submit(String token, String team) {
        return as(token).contentType(ContentType.JSON).body(Jobs.simple("auth-job", team)).post("/api/v1/jobs")
                .then().statusCode(201).body("team", equalTo(team)).extract().path("id");
    }

    @BeforeAll
    static void captureLogs() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    /** Once, before the first test (RestAssured knows the port only from then on). */
    @BeforeEach
    void setUp() {
        TestAuth.anonymous();
        if (teamA != null) {
            return;
        }
        teamA = TestAuth.team(unique("team-a"));
        teamB = TestAuth.team(unique("team-b"));
        String a = unique("alice");
        String b = unique("bob");
        String v = unique("viewer");
        String c = unique("carol");
        member(teamA, a, "MEMBER");
        member(teamB, b, "MEMBER");
        member(teamA, v, "VIEWER");
        member(teamA, c, "TEAM_ADMIN");
        alice = token(TestAuth.ADMIN, a);
        bob = token(TestAuth.ADMIN, b);
        viewer = token(TestAuth.ADMIN, v);
        carol = token(TestAuth.ADMIN, c);
    }

    @AfterAll
    static void tearDown() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    @Test
    @Order(1)
    void missingMalformedAndUnknownTokensGet401WithBearerChallengeWhileHealthStaysOpen() {
        given().get("/api/v1/jobs").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer")).body("status", equalTo(401));
        given().header("Authorization", "Basic YWRtaW46YWRtaW4=").get("/api/v1/jobs").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"));
        String unknown = Tokens.generate();
        secrets.add(unknown);
        as(unknown).get("/api/v1/whoami").then().statusCode(401).contentType("application/problem+json")
                .body("detail", equalTo("invalid token"));
        as("short").contentType(ContentType.JSON).body(Jobs.simple("x", teamA)).post("/api/v1/jobs")
                .then().statusCode(401);
        given().get(InfraResource.management("/q/health/ready")).then().statusCode(200);
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("components.securitySchemes.bearer.scheme", equalTo("bearer"))
                .body("paths.'/api/v1/tokens'.post", notNullValue());
    }

    @Test
    @Order(2)
    void eachTeamSubmitsSeesListsAndCancelsOnlyItsOwnJobs() {
        String a1 = submit(alice, teamA);
        String b1 = submit(bob, teamB);

        // another team's job answers exactly like a job that does not exist
        String missing = UUID.randomUUID().toString();
        for (String path : JOB_READS) {
            Response mine = as(alice).get("/api/v1/jobs/" + b1 + path);
            Response none = as(alice).get("/api/v1/jobs/" + missing + path);
            mine.then().statusCode(404).contentType("application/problem+json").body("detail", equalTo("no job " + b1));
            none.then().statusCode(404);
            assertThat(mine.jsonPath().getString("title")).isEqualTo(none.jsonPath().getString("title"));
            assertThat(mine.jsonPath().getString("type")).isEqualTo(none.jsonPath().getString("type"));
            as(bob).get("/api/v1/jobs/" + b1 + path).then().statusCode(200);
        }
        as(alice).accept("text/event-stream").get("/api/v1/jobs/" + b1 + "/events").then().statusCode(404)
                .body("detail", equalTo("no job " + b1));
        as(alice).post("/api/v1/jobs/" + b1 + "/cancel").then().statusCode(404).body("detail", equalTo("no job " + b1));
        as(bob).get("/api/v1/jobs/" + a1).then().statusCode(404);

        // submitting as another team: 403, worded the same whether or not the team exists
        String ghost = unique("ghost");
        as(alice).contentType(ContentType.JSON).body(Jobs.simple("x", teamB)).post("/api/v1/jobs").then()
                .statusCode(403).contentType("application/problem+json")
                .body("detail", equalTo("you cannot submit for team " + teamB));
        as(alice).contentType(ContentType.JSON).body(Jobs.simple("x", ghost)).post("/api/v1/jobs").then()
                .statusCode(403).body("detail", equalTo("you cannot submit for team " + ghost));

        // lists hold only visible teams; a team= filter on another team is an empty list, not an error
        as(alice).get("/api/v1/jobs?limit=500").then().statusCode(200)
                .body("items.team", everyItem(equalTo(teamA))).body("items.id", hasItem(a1));
        as(alice).queryParam("team", teamB).get("/api/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
        as(alice).queryParam("team", ghost).get("/api/v1/jobs").then().statusCode(200).body("items.size()", equalTo(0));
        as(bob).get("/api/v1/jobs?limit=500").then().statusCode(200)
                .body("items.team", everyItem(equalTo(teamB))).body("items.id", hasItem(b1));

        // an idempotency key of another team never returns that team's job
        String key = unique("key");
        String bk = as(bob).contentType(ContentType.JSON).body(Jobs.withKey("k", teamB, key)).post("/api/v1/jobs")
                .then().statusCode(201).extract().path("id");
        as(alice).contentType(ContentType.JSON).body(Jobs.withKey("k", teamB, key)).post("/api/v1/jobs")
                .then().statusCode(403);
        String ak = as(alice).contentType(ContentType.JSON).body(Jobs.withKey("k", teamA, key)).post("/api/v1/jobs")
                .then().statusCode(201).body("team", equalTo(teamA)).extract().path("id");
        assertThat(ak).isNotEqualTo(bk);

        as(alice).post("/api/v1/jobs/" + a1 + "/cancel").then().statusCode(202);
        as(bob).post("/api/v1/jobs/" + b1 + "/cancel").then().statusCode(202);
        as(alice).get("/api/v1/jobs/" + a1).then().body("state", equalTo("CANCELLED"));
    }

    @Test
    @Order(3)
    void viewerReadsButCannotSubmitOrCancel() {
        String id = submit(alice, teamA);
        as(viewer).get("/api/v1/jobs/" + id).then().statusCode(200);
        as(viewer).get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200);
        as(viewer).contentType(ContentType.JSON).body(Jobs.simple("v", teamA)).post("/api/v1/jobs").then()
                .statusCode(403).body("detail", equalTo("you cannot submit for team " + teamA));
        as(viewer).post("/api/v1/jobs/" + id + "/cancel").then().statusCode(403)
                .contentType("application/problem+json");
        as(viewer).get("/api/v1/jobs/" + id).then().body("state", equalTo("PENDING"));
    }

    @Test
    @Order(4)
    void revokedAndExpiredTokensGet401() throws Exception {
        String temp = token(TestAuth.ADMIN, subjectOf(alice));
        String tempId = as(temp).get("/api/v1/whoami").then().statusCode(200).extract().path("token.id");
        // alice revokes her own token; the revocation takes effect at once on this replica
        as(alice).delete("/api/v1/tokens/" + tempId).then().statusCode(200).body("state", equalTo("REVOKED"))
                .body("revokedAt", notNullValue());
        as(temp).get("/api/v1/whoami").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"))
                .body("detail", containsString("revoked"));
        as(temp).get("/api/v1/jobs").then().statusCode(401);
        // another team's member cannot even see that a token exists
        String other = token(TestAuth.ADMIN, subjectOf(alice));
        String otherId = as(other).get("/api/v1/whoami").then().extract().path("token.id");
        as(bob).delete("/api/v1/tokens/" + otherId).then().statusCode(404);
        as(other).get("/api/v1/whoami").then().statusCode(200);

        String old = token(TestAuth.ADMIN, subjectOf(alice));
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement()) {
            st.executeUpdate("update api_token set expires_at = now() - interval '1 minute' where token_hash = '"
                    + Tokens.hash(old) + "'");
        }
        as(old).get("/api/v1/whoami").then().statusCode(401).body("detail", containsString("expired"));

        admin().contentType(ContentType.JSON).body(Map.of("name", "x", "expiresInDays", 0)).post("/api/v1/tokens")
                .then().statusCode(400).body("errors[0].field", equalTo("expiresInDays"));
        admin().contentType(ContentType.JSON).body(Map.of("name", "x", "expiresInDays", 366)).post("/api/v1/tokens")
                .then().statusCode(400);
        admin().contentType(ContentType.JSON).body(Map.of("name", "x", "secret", "mine")).post("/api/v1/tokens")
                .then().statusCode(400).body("errors[0].field", equalTo("secret"));
    }

    @Test
    @Order(5)
    void membersAndTokensAreManagedByTeamAdminsWithinTheirTeams() {
        String dave = unique("dave");
        // a member cannot manage members; a team it has no role in answers 404
        as(alice).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                .put("/api/v1/teams/" + teamA + "/members/" + dave).then().statusCode(403);
        as(alice).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                .put("/api/v1/teams/" + teamB + "/members/" + dave).then().statusCode(404);
        as(alice).get("/api/v1/teams/" + teamB + "/members").then().statusCode(404);
        // the team admin adds dave, gives him a token, and cannot reach beyond its team
        as(carol).contentType(ContentType.JSON).body(Map.of("role", "member"))
                .put("/api/v1/teams/" + teamA + "/members/" + dave).then().statusCode(201).body("role", equalTo("MEMBER"));
        as(carol).contentType(ContentType.JSON).body(Map.of("role", "BOSS"))
                .put("/api/v1/teams/" + teamA + "/members/" + dave).then().statusCode(400);
        as(carol).get("/api/v1/teams/" + teamA + "/members").then().statusCode(200).body("items.subject", hasItem(dave));
        String daveToken = token(carol, dave);
        as(carol).contentType(ContentType.JSON).body(Map.of("name", "x", "subject", subjectOf(bob)))
                .post("/api/v1/tokens").then().statusCode(403);
        as(carol).contentType(ContentType.JSON).body(Map.of("name", "x", "clusterAdmin", true))
                .post("/api/v1/tokens").then().statusCode(403);
        as(alice).contentType(ContentType.JSON).body(Map.of("name", "x", "subject", dave))
                .post("/api/v1/tokens").then().statusCode(403);
        String id = submit(daveToken, teamA);
        as(daveToken).get("/api/v1/tokens").then().statusCode(200).body("items.size()", equalTo(1))
                .body("items[0].token", nullValue()).body("items[0].prefix", startsWith("ath_"));
        // removed from the team: at once (this replica) his token sees nothing of it
        as(carol).delete("/api/v1/teams/" + teamA + "/members/" + dave).then().statusCode(204);
        as(carol).delete("/api/v1/teams/" + teamA + "/members/" + dave).then().statusCode(404);
        as(daveToken).get("/api/v1/jobs/" + id).then().statusCode(404);
        as(daveToken).get("/api/v1/whoami").then().statusCode(200).body("teams.size()", equalTo(0));
    }

    @Test
    @Order(5)
    void defect2TeamAdminCannotTakeOverClusterAdminTokens() {
        // the exact sequence of issue 8: the team admin adds subject admin to its own team ...
        as(carol).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                .put("/api/v1/teams/" + teamA + "/members/admin").then().statusCode(201);
        String bootstrapId = admin().get("/api/v1/whoami").then().extract().path("token.id");
        // ... and still cannot list, revoke or mint admin's tokens
        as(carol).queryParam("subject", "admin").get("/api/v1/tokens").then().statusCode(403)
                .contentType("application/problem+json");
        as(carol).delete("/api/v1/tokens/" + bootstrapId).then().statusCode(404);
        as(carol).contentType(ContentType.JSON).body(Map.of("name", "takeover", "subject", "admin"))
                .post("/api/v1/tokens").then().statusCode(403);
        admin().get("/api/v1/whoami").then().statusCode(200).body("clusterAdmin", equalTo(true));
        admin().delete("/api/v1/teams/" + teamA + "/members/admin").then().statusCode(204);

        // a member of another team, added to the team admin's team, stays out of its reach
        String bobSubject = subjectOf(bob);
        as(carol).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                .put("/api/v1/teams/" + teamA + "/members/" + bobSubject).then().statusCode(201);
        as(carol).queryParam("subject", bobSubject).get("/api/v1/tokens").then().statusCode(403);
        as(carol).contentType(ContentType.JSON).body(Map.of("name", "x", "subject", bobSubject))
                .post("/api/v1/tokens").then().statusCode(403);
        as(carol).delete("/api/v1/teams/" + teamA + "/members/" + bobSubject).then().statusCode(204);

        // a subject created for the team is manageable until it joins another team or holds a cluster-admin token
        String erin = unique("erin");
        as(carol).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                .put("/api/v1/teams/" + teamA + "/members/" + erin).then().statusCode(201);
        token(carol, erin);
        as(carol).queryParam("subject", erin).get("/api/v1/tokens").then().statusCode(200)
                .body("items.size()", equalTo(1));
        member(teamB, erin, "VIEWER");
        as(carol).queryParam("subject", erin).get("/api/v1/tokens").then().statusCode(403);
        admin().delete("/api/v1/teams/" + teamB + "/members/" + erin).then().statusCode(204);
        as(carol).queryParam("subject", erin).get("/api/v1/tokens").then().statusCode(200);
        admin().contentType(ContentType.JSON).body(Map.of("name", "ops", "subject", erin, "clusterAdmin", true))
                .post("/api/v1/tokens").then().statusCode(201);
        as(carol).queryParam("subject", erin).get("/api/v1/tokens").then().statusCode(403);
    }

    @Test
    @Order(5)
    void defect11TeamAndClusterAdminsCapThePriorityATeamMayUse() {
        String urgent = Jobs.simple("capped", teamA).replaceFirst("\"kind\"", "\"priority\": \"URGENT\", \"kind\"");
        String high = urgent.replace("URGENT", "HIGH");
        // a member may not cap; the team admin caps its own team at HIGH
        as(alice).contentType(ContentType.JSON).body(Map.of("maxPriority", "NORMAL"))
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(403);
        as(carol).contentType(ContentType.JSON).body(Map.of("maxPriority", "BOGUS"))
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(400)
                .body("errors[0].field", equalTo("maxPriority"));
        as(carol).contentType(ContentType.JSON).body(Map.of("maxPriority", "HIGH"))
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(200)
                .body("teamCap", equalTo("HIGH")).body("effective", equalTo("HIGH"));
        as(alice).contentType(ContentType.JSON).body(urgent).post("/api/v1/jobs").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("priority"));
        as(alice).contentType(ContentType.JSON).body(high).post("/api/v1/jobs").then().statusCode(201);
        // the cluster admin's cap binds the team admin too, who cannot lift it
        admin().contentType(ContentType.JSON).body(Map.of("maxPriority", "NORMAL"))
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(200)
                .body("clusterCap", equalTo("NORMAL")).body("effective", equalTo("NORMAL"));
        as(carol).contentType(ContentType.JSON).body("{\"maxPriority\": null}")
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(200)
                .body("effective", equalTo("NORMAL"));
        as(carol).contentType(ContentType.JSON).body(high).post("/api/v1/jobs").then().statusCode(400);
        // another team is not capped, and its members cannot see or change this team's cap
        as(bob).contentType(ContentType.JSON).body(Map.of("maxPriority", "LOW"))
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(404);
        as(bob).contentType(ContentType.JSON).body(Jobs.simple("x", teamB).replaceFirst("\"kind\"",
                "\"priority\": \"URGENT\", \"kind\"")).post("/api/v1/jobs").then().statusCode(201);
        admin().queryParam("action", "team.priority-cap").get("/api/v1/audit").then().statusCode(200)
                .body("items.actor", hasItem(subjectOf(carol))).body("items.actor", hasItem("admin"));
        admin().contentType(ContentType.JSON).body("{\"maxPriority\": null}")
                .put("/api/v1/teams/" + teamA + "/priority-cap").then().statusCode(200)
                .body("effective", equalTo(null));
    }

    @Test
    @Order(6)
    void whoamiShowsSubjectRolesAndTheTokenUsed() {
        as(alice).get("/api/v1/whoami").then().statusCode(200)
                .body("subject", startsWith("alice-")).body("clusterAdmin", equalTo(false))
                .body("teams." + teamA, equalTo("MEMBER")).body("token.prefix", startsWith("ath_"))
                .body("token.expiresAt", notNullValue()).body("token.token", nullValue());
        admin().get("/api/v1/whoami").then().statusCode(200).body("subject", equalTo("admin"))
                .body("clusterAdmin", equalTo(true)).body("token.name", equalTo("bootstrap"))
                .body("token.expiresAt", nullValue());
    }

    @Test
    @Order(7)
    void clusterAdminSeesAllForceCancelsAndIsAudited() {
        String b1 = submit(bob, teamB);
        String a1 = submit(alice, teamA);
        admin().get("/api/v1/jobs/" + b1).then().statusCode(200);
        admin().get("/api/v1/jobs?limit=500").then().statusCode(200).body("items.id", hasItem(a1))
                .body("items.id", hasItem(b1));
        String ghost = unique("ghost");
        admin().contentType(ContentType.JSON).body(Jobs.simple("x", ghost)).post("/api/v1/jobs").then().statusCode(400)
                .body("detail", containsString("does not exist")).body("errors[0].field", equalTo("team"));
        admin().post("/api/v1/jobs/" + b1 + "/cancel").then().statusCode(202);

        admin().queryParam("action", "job.cancel.forced").get("/api/v1/audit").then().statusCode(200)
                .body("items.target", hasItem("job/" + b1)).body("items.actor", everyItem(equalTo("admin")));
        admin().queryParam("action", "job.cancel.forced").get("/api/v1/audit").then()
                .body("items.target", not(hasItem("job/" + a1)));
        admin().queryParam("action", "token.create").queryParam("limit", 1000).get("/api/v1/audit").then()
                .statusCode(200).body("items.details.subject", hasItem(subjectOf(bob)))
                .body("items.actor", hasItem(subjectOf(carol)));
        admin().queryParam("action", "token.revoke").get("/api/v1/audit").then().statusCode(200)
                .body("items.actor", hasItem(subjectOf(alice)));
        admin().queryParam("action", "member.set").queryParam("limit", 1000).get("/api/v1/audit").then()
                .body("items.target", hasItem("team/" + teamA + "/members/" + subjectOf(alice)));
        admin().queryParam("action", "member.remove").get("/api/v1/audit").then()
                .body("items.actor", hasItem(subjectOf(carol)));
        // keyset pagination
        Response p1 = admin().queryParam("limit", 2).get("/api/v1/audit");
        p1.then().statusCode(200).body("items.size()", equalTo(2)).body("nextCursor", notNullValue());
        Response p2 = admin().queryParam("limit", 2).queryParam("cursor", p1.path("nextCursor").toString())
                .get("/api/v1/audit");
        List<Integer> ids1 = p1.path("items.id");
        List<Integer> ids2 = p2.path("items.id");
        assertThat(ids2).isNotEmpty().allMatch(i -> i < ids1.get(1));
        // only cluster admins read the audit log
        as(carol).get("/api/v1/audit").then().statusCode(403).contentType("application/problem+json");
    }

    @Test
    @Order(100)
    void secretsAreStoredOnlyAsHashesAndNeverLogged() throws Exception {
        assertThat(secrets).hasSizeGreaterThan(5);
        Set<String> hashes = new java.util.HashSet<>();
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement()) {
            for (String table : List.of("api_token", "audit_event", "subject", "membership")) {
                try (ResultSet rs = st.executeQuery("select * from " + table)) {
                    ResultSetMetaData md = rs.getMetaData();
                    while (rs.next()) {
                        for (int i = 1; i <= md.getColumnCount(); i++) {
                            String v = rs.getString(i);
                            if (v == null) {
                                continue;
                            }
                            for (String s : secrets) {
                                assertThat(v).as(table + "." + md.getColumnName(i)).doesNotContain(s)
                                        .doesNotContain(s.substring(4));
                            }
                            if (table.equals("api_token") && md.getColumnName(i).equals("token_hash")) {
                                hashes.add(v.trim());
                            }
                        }
                    }
                }
            }
        }
        assertThat(hashes).contains(Tokens.hash(alice), Tokens.hash(bob), Tokens.hash(TestAuth.ADMIN))
                .allMatch(h -> h.matches("[0-9a-f]{64}"));
        assertThat(logLines).as("log records captured").isNotEmpty();
        for (String line : logLines) {
            for (String s : secrets) {
                assertThat(line).doesNotContain(s);
            }
            assertThat(line).doesNotContain(TestAuth.ADMIN);
        }
    }

    /** The subject of a token, from whoami. */
    static String subjectOf(String token) {
        return as(token).get("/api/v1/whoami").then().statusCode(200).extract().path("subject");
    }
}
