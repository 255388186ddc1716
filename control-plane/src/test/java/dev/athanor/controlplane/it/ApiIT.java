package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/** The REST API against a real PostgreSQL and Kafka: submission, errors, idempotency, listing. */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
class ApiIT {

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** A new team that exists (submitting needs an existing team). */
    static String newTeam(String prefix) {
        return TestAuth.team(unique(prefix));
    }

    @BeforeAll
    static void authenticate() {
        TestAuth.asAdmin();
    }

    @Test
    void submitReturns201WithLocationAndTypedSpecWithDefaults() {
        String team = newTeam("t");
        Response r = given().contentType(ContentType.JSON).body(Jobs.simple("aug-1", team))
                .post("/api/v1/jobs");
        r.then().statusCode(201).header("Location", containsString("/api/v1/jobs/"))
                .body("state", equalTo("PENDING"))
                .body("team", equalTo(team))
                .body("kind", equalTo("AUGMENTATION"))
                .body("priority", equalTo("NORMAL"))
                .body("spec.engine", equalTo("classical"))
                .body("spec.strength", equalTo(0.55f))
                .body("maxAttempts", equalTo(2));
        String id = r.path("id");
        given().get(r.header("Location")).then().statusCode(200).body("id", equalTo(id));
        given().get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200)
                .body("items[0].to", equalTo("PENDING")).body("items[0].reason", equalTo("Submitted"));
    }

    @Test
    void sameIdempotencyKeyForSameTeamReturnsExistingJob() {
        String team = newTeam("t");
        String id = given().contentType(ContentType.JSON).body(Jobs.withKey("a", team, "k-1"))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        given().contentType(ContentType.JSON).body(Jobs.withKey("a", team, "k-1"))
                .post("/api/v1/jobs").then().statusCode(200).body("id", equalTo(id));
        // another team may use the same key
        String other = given().contentType(ContentType.JSON).body(Jobs.withKey("a", newTeam("t"), "k-1"))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        assertThat(other).isNotEqualTo(id);
    }

    @Test
    void concurrentSubmissionsWithOneKeyCreateOneJob() throws Exception {
        String team = newTeam("t");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Response>> fs = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            fs.add(pool.submit(() -> given().contentType(ContentType.JSON).body(Jobs.withKey("race", team, "same"))
                    .post("/api/v1/jobs")));
        }
        Set<String> ids = new HashSet<>();
        int created = 0;
        for (Future<Response> f : fs) {
            Response r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isIn(200, 201);
            created += r.statusCode() == 201 ? 1 : 0;
            ids.add(r.path("id"));
        }
        pool.shutdown();
        assertThat(ids).hasSize(1);
        assertThat(created).isEqualTo(1);
    }

    @Test
    void malformedJsonIs400Problem() {
        given().contentType(ContentType.JSON).body("{\"name\": \"x\",").post("/api/v1/jobs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Malformed JSON")).body("detail", containsString("line 1"));
    }

    @Test
    void invalidSpecNamesEveryBadField() {
        String body = """
                {"name": "Bad Name", "team": "t1", "kind": "AUGMENTATION",
                 "resources": {"gpusPerWorker": 99, "workers": 1, "memory": "lots"},
                 "spec": {"inputDir": "/in", "outputDir": "/out", "strength": 1.5, "operations": ["hflip", "explode"]}}
                """;
        given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs")
                .then().statusCode(400).contentType("application/problem+json")
                .body("title", equalTo("Invalid job"))
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("resources.gpusPerWorker"))
                .body("errors.field", hasItem("resources.memory"))
                .body("errors.field", hasItem("spec.strength"))
                .body("errors.field", hasItem("spec.operations[1]"));
    }

    @Test
    void unknownSpecFieldIsNamedWithKnownFields() {
        String body = """
                {"name": "x", "team": "t1", "kind": "FINE_TUNE",
                 "spec": {"dataset": "d", "outputDir": "/o", "learning_rate": 0.1}}
                """;
        given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs")
                .then().statusCode(400)
                .body("errors[0].field", equalTo("spec.learning_rate"))
                .body("errors[0].message", containsString("learningRate"));
    }

    @Test
    void missingKindAndWrongTypes() {
        given().contentType(ContentType.JSON).body("{\"name\": \"x\", \"team\": \"t\", \"spec\": {}}")
                .post("/api/v1/jobs").then().statusCode(400).body("errors.field", hasItem("kind"));
        given().contentType(ContentType.JSON).body("{\"name\": \"x\", \"team\": \"t\", \"kind\": \"TRAIN\", \"spec\": {}}")
                .post("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("kind"))
                .body("errors[0].message", containsString("FINE_TUNE"));
        given().contentType(ContentType.JSON)
                .body("{\"name\": \"x\", \"team\": \"t\", \"kind\": \"AUGMENTATION\", \"maxAttempts\": \"three\", \"spec\": {}}")
                .post("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("maxAttempts"));
    }

    @Test
    void oversizedBodyIs413AndWrongMediaTypeIs415() {
        String big = "{\"name\": \"" + "x".repeat(1_100_000) + "\"}";
        given().contentType(ContentType.JSON).body(big).post("/api/v1/jobs")
                .then().statusCode(413).contentType("application/problem+json");
        given().contentType(ContentType.TEXT).body("name: x").post("/api/v1/jobs")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void defect6ChunkedBodiesAreLimitedOnTheBytesRead() throws Exception {
        String team = newTeam("chunked");
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        // no Content-Length (an InputStream publisher of unknown length is sent chunked): only the bytes read count
        java.util.function.Function<String, java.net.http.HttpResponse<String>> post = body -> {
            try {
                return http.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create("http://localhost:" + io.restassured.RestAssured.port + "/api/v1/jobs"))
                        .header("Authorization", TestAuth.bearer(TestAuth.ADMIN))
                        .header("Content-Type", "application/json")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                                body.getBytes(java.nio.charset.StandardCharsets.UTF_8))))
                        .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
        java.net.http.HttpResponse<String> big = post.apply("{\"name\": \"" + "x".repeat(1_100_000) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(big.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(big.body()).contains("limit is 1048576 bytes");
        // a chunked body within the limit is read as usual
        java.net.http.HttpResponse<String> small = post.apply(Jobs.simple("chunked-ok", team));
        assertThat(small.statusCode()).as(small.body()).isEqualTo(201);
    }

    @Test
    void defect12UnstorableTextInBodiesPathsAndQueriesIs400NamingTheField() {
        String team = newTeam("nul");
        String job = Jobs.simple("nul-job", team);
        given().contentType(ContentType.JSON).body("{\"labels\": {\"owner\": \"a\\u0000b\"}, " + job.strip().substring(1))
                .post("/api/v1/jobs").then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("labels.owner")).body("detail", containsString("U+0000"));
        given().contentType(ContentType.JSON).body(job.replace("\"nul-job\"", "\"x\\ud800y\""))
                .post("/api/v1/jobs").then().statusCode(400).body("errors[0].field", equalTo("name"))
                .body("detail", containsString("surrogate"));
        given().urlEncodingEnabled(false).get("/api/v1/queues?team=%00abc").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("team"));
        given().urlEncodingEnabled(false).get("/api/v1/jobs?team=a%00").then().statusCode(400)
                .body("errors[0].field", equalTo("team"));
        given().urlEncodingEnabled(false).get("/api/v1/teams/a%00b/members").then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("team"));
        // a valid submission still goes through
        given().contentType(ContentType.JSON).body(job).post("/api/v1/jobs").then().statusCode(201);
    }

    @Test
    void unknownJobIs404Problem() {
        given().get("/api/v1/jobs/" + UUID.randomUUID()).then().statusCode(404)
                .contentType("application/problem+json").body("status", equalTo(404));
        given().post("/api/v1/jobs/" + UUID.randomUUID() + "/cancel").then().statusCode(404);
        given().get("/api/v1/jobs/not-a-uuid").then().statusCode(404);
    }

    @Test
    void cancelPendingThenCancelAgainIs409() {
        // a job that needs more CPU slots than exist never starts: it stays PENDING until failed as unschedulable,
        // so use a plain job and cancel it straight away; either way a second cancel conflicts.
        String id = given().contentType(ContentType.JSON).body(Jobs.simple("c", newTeam("t")))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202).body("id", equalTo(id));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("state", org.hamcrest.Matchers.oneOf("CANCELLED", "FAILED")));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("can no longer change"));
    }

    @Test
    void listIsNewestFirstWithKeysetPaginationAndFilters() {
        String team = newTeam("list");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(given().contentType(ContentType.JSON).body(Jobs.simple("j" + i, team)).post("/api/v1/jobs")
                    .then().statusCode(201).extract().path("id"));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().queryParam("team", team).queryParam("limit", 3);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            Response page = req.get("/api/v1/jobs");
            page.then().statusCode(200);
            seen.addAll(page.path("items.id"));
            cursor = page.path("nextCursor");
            // insert while paging: keyset pagination must neither repeat nor skip older jobs
            given().contentType(ContentType.JSON).body(Jobs.simple("late", team)).post("/api/v1/jobs").then().statusCode(201);
        } while (cursor != null);
        List<String> expected = new ArrayList<>(ids);
        java.util.Collections.reverse(expected);
        assertThat(seen).startsWith(expected.get(0)).containsSubsequence(expected).doesNotHaveDuplicates();
        given().queryParam("team", team).queryParam("kind", "labeling").get("/api/v1/jobs")
                .then().statusCode(200).body("items.size()", equalTo(0));
        given().queryParam("state", "NOPE").get("/api/v1/jobs").then().statusCode(400)
                .body("errors[0].field", equalTo("state"));
        given().queryParam("limit", 0).get("/api/v1/jobs").then().statusCode(400);
        given().queryParam("cursor", "garbage!").get("/api/v1/jobs").then().statusCode(400);
    }

    @Test
    void defect5MetricsAndHealthAreServedOnlyOnTheManagementInterface() {
        String team = newTeam("metrics");
        given().contentType(ContentType.JSON).body(Jobs.simple("m", team)).post("/api/v1/jobs").then().statusCode(201);
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/api/v1/jobs'.post.requestBody.content.'application/json'.examples.FINE_TUNE", notNullValue());
        given().get(InfraResource.management("/q/health/ready")).then().statusCode(200).body("status", equalTo("UP"));
        given().get(InfraResource.management("/q/metrics")).then().statusCode(200)
                .body(containsString("athanor_jobs_submitted_total")).body(containsString(team));
        // the public port tells nobody (not even a cluster admin) team names, quotas or usage
        for (String path : new String[]{"/q/metrics", "/q/health", "/q/health/ready", "/q/health/live", "/metrics"}) {
            given().header("Authorization", "").get(path).then().statusCode(404)
                    .body(not(containsString("athanor_")), not(containsString(team)));
            given().get(path).then().statusCode(404).body(not(containsString("athanor_")), not(containsString(team)));
        }
    }
}
