package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

/**
 * The endpoints the dashboard uses, against the real PostgreSQL: cookie sign-in with CSRF, the list's text filter,
 * LTTB-downsampled metrics, the multi-job live stream and the path-confined file endpoint (own outputs only,
 * cross-team 404). Jobs stay PENDING (no dispatch); worker reports are written as the ingest would write them.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class DashboardApiIT {
    static String teamA;
    static String teamB;
    static String alice;
    static String aliceTokenId;
    static String bob;

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static RequestSpecification as(String token) {
        return given().header("Authorization", TestAuth.bearer(token));
    }

    static RequestSpecification session(String secret) {
        return given().header("Cookie", "athanor_session=" + secret);
    }

    @BeforeEach
    void setUp() {
        TestAuth.anonymous();
        if (teamA != null) {
            return;
        }
        teamA = TestAuth.team(unique("dash-a"));
        teamB = TestAuth.team(unique("dash-b"));
        String a = unique("alice");
        String b = unique("bob");
        for (String[] m : new String[][]{{teamA, a}, {teamB, b}}) {
            as(TestAuth.ADMIN).contentType(ContentType.JSON).body(Map.of("role", "MEMBER"))
                    .put("/api/v1/teams/" + m[0] + "/members/" + m[1]).then().statusCode(201);
        }
        Response ra = as(TestAuth.ADMIN).contentType(ContentType.JSON).body(Map.of("name", "dash", "subject", a))
                .post("/api/v1/tokens").then().statusCode(201).extract().response();
        alice = ra.path("token");
        aliceTokenId = ra.path("id");
        bob = as(TestAuth.ADMIN).contentType(ContentType.JSON).body(Map.of("name", "dash", "subject", b))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
    }

    record SignedIn(String secret, String csrf) {
    }

    static SignedIn signIn(String token) {
        Response r = given().contentType(ContentType.JSON).body(Map.of("token", token)).post("/api/v1/session")
                .then().statusCode(200).extract().response();
        String setCookie = r.header("Set-Cookie");
        assertThat(setCookie).startsWith("athanor_session=").contains("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/");
        String secret = setCookie.substring("athanor_session=".length(), setCookie.indexOf(';'));
        return new SignedIn(secret, r.path("csrfToken"));
    }

    static String submit(String token, String body) {
        return as(token).contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
    }

    static Connection db() throws Exception {
        return DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
    }

    @Test
    void signInExchangesATokenForAnHttpOnlyCookieWithCsrfOnUnsafeMethodsAndSignOutEndsIt() throws Exception {
        given().contentType(ContentType.JSON).body("{}").post("/api/v1/session").then().statusCode(400)
                .contentType("application/problem+json").body("errors.field", hasItem("token"));
        given().contentType(ContentType.JSON).body(Map.of("token", "ath_not-a-real-token-000000000000"))
                .post("/api/v1/session").then().statusCode(401).header("Set-Cookie", org.hamcrest.Matchers.nullValue());

        SignedIn s = signIn(alice);
        assertThat(s.csrf()).hasSize(64);
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("select session_hash from web_session")) {
            List<String> stored = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    stored.add(rs.getString(1));
                }
            }
            assertThat(stored).isNotEmpty().doesNotContain(s.secret()).allSatisfy(h -> assertThat(h).hasSize(64));
        }
        session(s.secret()).get("/api/v1/session").then().statusCode(200).body("csrfToken", equalTo(s.csrf()))
                .body("teams." + teamA, equalTo("MEMBER"));
        session(s.secret()).get("/api/v1/jobs").then().statusCode(200);

        // unsafe methods need the CSRF header derived from the session
        String body = Jobs.simple("dash-csrf", teamA);
        session(s.secret()).contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(403)
                .contentType("application/problem+json").body("detail", containsString("X-CSRF-Token"));
        session(s.secret()).header("X-CSRF-Token", "0".repeat(64)).contentType(ContentType.JSON).body(body)
                .post("/api/v1/jobs").then().statusCode(403);
        session(s.secret()).header("X-CSRF-Token", s.csrf()).contentType(ContentType.JSON).body(body)
                .post("/api/v1/jobs").then().statusCode(201).body("team", equalTo(teamA));
        // the session sees only what its token sees
        session(s.secret()).header("X-CSRF-Token", s.csrf()).contentType(ContentType.JSON)
                .body(Jobs.simple("dash-x", teamB)).post("/api/v1/jobs").then().statusCode(403);

        session(s.secret()).delete("/api/v1/session").then().statusCode(403);
        session(s.secret()).header("X-CSRF-Token", s.csrf()).delete("/api/v1/session").then().statusCode(204)
                .header("Set-Cookie", containsString("Max-Age=0"));
        session(s.secret()).get("/api/v1/jobs").then().statusCode(401).contentType("application/problem+json");
        session("ath_forged-session-secret-0000000000000000").get("/api/v1/jobs").then().statusCode(401);

        // revoking the token ends its sessions
        SignedIn s2 = signIn(alice);
        session(s2.secret()).get("/api/v1/whoami").then().statusCode(200);
        String other = as(TestAuth.ADMIN).contentType(ContentType.JSON)
                .body(Map.of("name", "dash-revoke", "subject", "dash-revoke-" + UUID.randomUUID().toString().substring(0, 6)))
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
        String otherId = as(other).get("/api/v1/whoami").then().statusCode(200).extract().path("token.id");
        SignedIn s3 = signIn(other);
        session(s3.secret()).get("/api/v1/whoami").then().statusCode(200);
        as(TestAuth.ADMIN).delete("/api/v1/tokens/" + otherId).then().statusCode(200);
        session(s3.secret()).get("/api/v1/whoami").then().statusCode(401);
        session(s2.secret()).get("/api/v1/whoami").then().statusCode(200);
    }

    @Test
    void listFiltersByTextInNameOrLabelsCaseInsensitivelyAndLiterally() {
        String tag = UUID.randomUUID().toString().substring(0, 6);
        String byName = submit(alice, Jobs.simple("runners-" + tag, teamA));
        String byLabel = submit(alice, Jobs.simple("other-" + tag.substring(0, 3), teamA)
                .replaceFirst("\"kind\"", "\"labels\": {\"dataset\": \"Marathon-" + tag + "\"}, \"kind\""));
        submit(alice, Jobs.simple("unrelated", teamA));
        submit(bob, Jobs.simple("runners-" + tag, teamB));

        as(alice).queryParam("q", "RUNNERS-" + tag).get("/api/v1/jobs").then().statusCode(200)
                .body("items.id", equalTo(List.of(byName)));
        as(alice).queryParam("q", "marathon-" + tag).get("/api/v1/jobs").then().body("items.id", equalTo(List.of(byLabel)));
        as(alice).queryParam("q", tag).get("/api/v1/jobs").then().body("items", hasSize(2));
        as(alice).queryParam("q", tag).queryParam("limit", 1).get("/api/v1/jobs").then().body("items", hasSize(1))
                .body("nextCursor", not(org.hamcrest.Matchers.nullValue()));
        // % and _ are literal characters, not wildcards
        as(alice).queryParam("q", "runners%" + tag).get("/api/v1/jobs").then().body("items", hasSize(0));
        as(alice).queryParam("q", "x".repeat(101)).get("/api/v1/jobs").then().statusCode(400)
                .body("errors.field", hasItem("q"));
    }

    @Test
    void metricsAreDownsampledWithLttbKeepingEndsAndPeaks() throws Exception {
        String id = submit(alice, Jobs.simple("dash-metrics", teamA));
        int n = 50_000;
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("insert into metric_point (job_id, "
                + "attempt, worker, name, step, value, at) values (?::uuid, 1, 0, 'loss', ?, ?, now())")) {
            for (int i = 0; i < n; i++) {
                ps.setString(1, id);
                ps.setLong(2, i);
                ps.setDouble(3, i == 31_337 ? 100.0 : 2.0 / (1 + i * 0.001));
                ps.addBatch();
                if (i % 5000 == 4999) {
                    ps.executeBatch();
                }
            }
        }
        Response r = as(alice).queryParam("name", "loss").queryParam("points", 500)
                .get("/api/v1/jobs/" + id + "/metrics").then().statusCode(200).extract().response();
        List<Integer> steps = r.path("points.step");
        List<Float> values = r.path("points.value");
        assertThat(steps).hasSize(500).startsWith(0).endsWith(n - 1).isSorted().contains(31_337);
        assertThat(values).contains(100.0f);
        as(alice).queryParam("name", "loss").get("/api/v1/jobs/" + id + "/metrics").then()
                .body("points", hasSize(10_000));
        as(alice).queryParam("name", "loss").queryParam("points", 2).get("/api/v1/jobs/" + id + "/metrics").then()
                .statusCode(400).body("errors.field", hasItem("points"));
        as(bob).queryParam("name", "loss").queryParam("points", 500).get("/api/v1/jobs/" + id + "/metrics").then()
                .statusCode(404);
    }

    @Test
    void oneLiveStreamCarriesTheVisibleJobsOnlyAndTheirChanges() throws Exception {
        String a1 = submit(alice, Jobs.simple("dash-live-1", teamA));
        String a2 = submit(alice, Jobs.simple("dash-live-2", teamA));
        String b1 = submit(bob, Jobs.simple("dash-live-b", teamB));
        as(alice).queryParam("id", "nope").get("/api/v1/live/jobs").then().statusCode(400)
                .body("errors.field", hasItem("id"));

        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create(RestAssured.baseURI + ":" + RestAssured.port
                        + "/api/v1/live/jobs?id=" + a1 + "," + b1 + "&id=" + a2))
                .header("Accept", "text/event-stream").header("Authorization", TestAuth.bearer(alice)).build();
        HttpResponse<java.io.InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertThat(resp.statusCode()).isEqualTo(200);
        List<String> events = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String event = null;
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("event:")) {
                        event = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        synchronized (events) {
                            events.add(event + " " + line.substring(5).trim());
                        }
                    }
                }
            } catch (Exception ignored) {
                // stream closed
            }
        });
        reader.setDaemon(true);
        reader.start();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            synchronized (events) {
                assertThat(events).anyMatch(e -> e.startsWith("job ") && e.contains(a1))
                        .anyMatch(e -> e.startsWith("job ") && e.contains(a2));
            }
        });
        as(alice).post("/api/v1/jobs/" + a1 + "/cancel").then().statusCode(202);
        as(bob).post("/api/v1/jobs/" + b1 + "/cancel").then().statusCode(202);
        as(alice).post("/api/v1/jobs/" + a2 + "/cancel").then().statusCode(202);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            synchronized (events) {
                assertThat(events).anyMatch(e -> e.startsWith("state ") && e.contains(a1) && e.contains("CANCELLED"))
                        .anyMatch(e -> e.startsWith("state ") && e.contains(a2) && e.contains("CANCELLED"));
            }
        });
        synchronized (events) {
            assertThat(events).noneMatch(e -> e.contains(b1));
        }
        resp.body().close();
    }

    @Test
    void filesAreServedOnlyFromTheJobsOwnOutputsWithThumbnailsAndCrossTeam404() throws Exception {
        Path root = Files.createTempDirectory("dash-files");
        Path in = Files.createDirectories(root.resolve("in"));
        Path out = Files.createDirectories(root.resolve("out"));
        png(in.resolve("src.png"), 200, 100);
        png(out.resolve("aug-0.png"), 400, 300);
        Path secret = Files.writeString(root.resolve("secret.txt"), "do not serve");
        Files.createSymbolicLink(out.resolve("link.png"), secret);
        Files.createSymbolicLink(in.resolve("escape.png"), secret);
        String id = submit(alice, Jobs.augmentation("dash-files", teamA, in.toString(), out.toString()));
        artifact(id, "aug-0.png", out.resolve("aug-0.png"), "image");
        artifact(id, "stolen.txt", secret, "report");
        artifact(id, "link.png", out.resolve("link.png"), "image");

        as(alice).get("/api/v1/jobs/" + id + "/files").then().statusCode(200)
                .body("items.name", hasItem("aug-0.png"))
                .body("items.find { it.name == 'aug-0.png' }.image", equalTo(true))
                .body("items.find { it.name == 'aug-0.png' }.href", equalTo("/api/v1/jobs/" + id + "/files/1/0/aug-0.png"));
        byte[] full = as(alice).get("/api/v1/jobs/" + id + "/files/1/0/aug-0.png").then().statusCode(200)
                .contentType("image/png").header("Cache-Control", containsString("max-age"))
                .header("X-Content-Type-Options", "nosniff").extract().asByteArray();
        assertThat(ImageIO.read(new ByteArrayInputStream(full)).getWidth()).isEqualTo(400);
        byte[] thumb = as(alice).queryParam("thumb", 64).get("/api/v1/jobs/" + id + "/files/1/0/aug-0.png").then()
                .statusCode(200).contentType("image/png").extract().asByteArray();
        BufferedImage t = ImageIO.read(new ByteArrayInputStream(thumb));
        assertThat(t.getWidth()).isEqualTo(64);
        assertThat(t.getHeight()).isEqualTo(48);
        as(alice).queryParam("thumb", 5).get("/api/v1/jobs/" + id + "/files/1/0/aug-0.png").then().statusCode(400)
                .body("errors.field", hasItem("thumb"));

        // a reported file outside the job's outputs, a link out of them, a name never reported: 404
        as(alice).get("/api/v1/jobs/" + id + "/files/1/0/stolen.txt").then().statusCode(404);
        as(alice).get("/api/v1/jobs/" + id + "/files/1/0/link.png").then().statusCode(404);
        as(alice).get("/api/v1/jobs/" + id + "/files/1/0/other.png").then().statusCode(404);
        as(alice).get("/api/v1/jobs/" + id + "/files/1/0/..%2F..%2Fsecret.txt").then().statusCode(404);

        // sources under spec.inputDir, confined
        as(alice).queryParam("thumb", 100).get("/api/v1/jobs/" + id + "/inputs/src.png").then().statusCode(200)
                .contentType("image/png");
        as(alice).urlEncodingEnabled(false).get("/api/v1/jobs/" + id + "/inputs/..%2Fsecret.txt").then().statusCode(404);
        as(alice).urlEncodingEnabled(false).get("/api/v1/jobs/" + id + "/inputs/%2E%2E/secret.txt").then()
                .statusCode(404);
        as(alice).get("/api/v1/jobs/" + id + "/inputs/escape.png").then().statusCode(404);

        // another team: not found, exactly like a missing job
        String missing = UUID.randomUUID().toString();
        for (String path : new String[]{"/files", "/files/1/0/aug-0.png", "/inputs/src.png"}) {
            as(bob).get("/api/v1/jobs/" + id + path).then().statusCode(404).body("detail", equalTo("no job " + id));
            as(bob).get("/api/v1/jobs/" + missing + path).then().statusCode(404);
        }
    }

    static void png(Path p, int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < w; x++) {
            for (int y = 0; y < h; y++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8);
            }
        }
        ImageIO.write(img, "png", p.toFile());
    }

    /** What the ingest records for a worker's artifact event. */
    static void artifact(String jobId, String name, Path file, String kind) throws Exception {
        try (Connection c = db(); PreparedStatement ps = c.prepareStatement("insert into artifact (job_id, attempt, "
                + "worker, name, uri, size_bytes, sha256, kind, at) values (?::uuid, 1, 0, ?, ?, ?, null, ?, now())")) {
            ps.setString(1, jobId);
            ps.setString(2, name);
            ps.setString(3, file.toUri().toString());
            ps.setLong(4, Files.size(file));
            ps.setString(5, kind);
            ps.executeUpdate();
        }
    }
}
