package dev.athanor.controlplane.it;

import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.testdouble.VlmTestDouble;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Multi-team scheduling through the API on real PostgreSQL and Kafka, with real worker processes on a machine with
 * four (test-double) H200 GPUs: quota, borrowing, reclaim of borrowed GPUs and in-team priority preemption.
 * Each test leaves every GPU free.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(GpuProfile.class)
class SchedulingIT {
    static final String FLAVOR = "h200-141gb";
    static DemoDataset.Layout data;
    static Path out;
    static VlmTestDouble vlm;
    final List<String> submitted = new ArrayList<>();

    @BeforeAll
    static void dataset() throws Exception {
        TestAuth.asAdmin();
        Path root = Files.createTempDirectory("athanor-sched");
        data = DemoDataset.generate(root.resolve("data"), 12, 5);
        out = root.resolve("out");
        // A slow VLM (test double for a vLLM server): labeling jobs run for minutes unless stopped.
        vlm = new VlmTestDouble(0, null, List.of(VlmTestDouble.DEFAULT_MODEL)).start();
        vlm.setDelayMillis(15_000);
    }

    @AfterAll
    static void stopVlm() {
        vlm.close();
    }

    @BeforeEach
    void catalog() {
        given().contentType(ContentType.JSON).body("{\"nodeLabels\": {\"athanor.dev/gpu-type\": \"h200-141gb\"}, \"gpuMemoryGb\": 141}")
                .put("/api/v1/flavors/" + FLAVOR).then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        // Each test counts on all four GPUs: a class sharing this control plane must not leave a job holding one.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(given()
                .queryParam("state", "ADMITTED,LAUNCHING,RUNNING").get("/api/v1/jobs").then().statusCode(200)
                .extract().<List<String>>path("items.name")).as("jobs holding GPUs before the test").isEmpty());
    }

    @AfterEach
    void stopEverything() {
        for (String id : submitted) {
            given().post("/api/v1/jobs/" + id + "/cancel"); // 409 for finished jobs is fine
        }
        for (String id : submitted) {
            await().atMost(Duration.ofSeconds(60)).until(() -> List.of("CANCELLED", "FAILED", "SUCCEEDED").contains(state(id)));
        }
    }

    /** A team in its own cohort (tests do not share quota with each other) with a quota on the H200 flavor. */
    static void team(String name, String cohort, int nominal, Integer borrowingLimit) {
        given().contentType(ContentType.JSON).body("{\"name\": \"" + name + "\", \"cohort\": \"" + cohort + "\"}")
                .post("/api/v1/teams")
                .then().statusCode(org.hamcrest.Matchers.oneOf(201, 409));
        String body = borrowingLimit == null ? "{\"nominal\": " + nominal + "}"
                : "{\"nominal\": " + nominal + ", \"borrowingLimit\": " + borrowingLimit + "}";
        given().contentType(ContentType.JSON).body(body).put("/api/v1/teams/" + name + "/quotas/" + FLAVOR)
                .then().statusCode(200);
    }

    String submit(String name, String team, String priority) {
        String body = """
                {"name": "%s", "team": "%s", "kind": "LABELING", "priority": "%s", "maxAttempts": 1,
                 "resources": {"gpusPerWorker": 1, "workers": 1, "gpuType": "%s", "cpu": 1, "memory": "1Gi"},
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "%s", "model": "%s", "concurrency": 1}}
                """.formatted(name, team, priority, FLAVOR, data.imagesDir(), out.resolve(name + ".jsonl"), vlm.baseUrl(),
                VlmTestDouble.DEFAULT_MODEL);
        String id = given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        submitted.add(id);
        return id;
    }

    static String state(String id) {
        return given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().path("state");
    }

    static void awaitState(String id, String expected) {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(state(id)).as(() -> "job " + id + " queue entry "
                        + given().get("/api/v1/queues/jobs/" + id).asString()).isEqualTo(expected));
    }

    static JsonPath queueEntry(String id) {
        return given().get("/api/v1/queues/jobs/" + id).then().statusCode(200).extract().jsonPath();
    }

    static Map<String, Object> quota(String team) {
        List<Map<String, Object>> flavors = given().get("/api/v1/teams/" + team + "/quotas").then().statusCode(200)
                .extract().path("flavors");
        return flavors.stream().filter(f -> FLAVOR.equals(f.get("flavor"))).findFirst().orElseThrow();
    }

    static List<String> reasons(String id) {
        return given().get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200).extract().path("items.reason");
    }

    static List<String> messages(String id) {
        return given().get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200).extract().path("items.message");
    }

    @Test
    void aTeamAtItsQuotaWaitsWithReasonAndPositionWhileGpusStayFree() {
        team("sched-quota", "c-quota", 2, 0);
        String a = submit("quota-1", "sched-quota", "NORMAL");
        String b = submit("quota-2", "sched-quota", "NORMAL");
        awaitState(a, "RUNNING");
        awaitState(b, "RUNNING");
        String c = submit("quota-3", "sched-quota", "NORMAL");
        String d = submit("quota-4", "sched-quota", "NORMAL");

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonPath q = queueEntry(c);
            assertThat(q.getString("reason")).isEqualTo("QUOTA");
            assertThat(q.getInt("teamPosition")).isEqualTo(1);
            assertThat(q.getString("message")).contains("nominal 2");
            assertThat(queueEntry(d).getInt("teamPosition")).isEqualTo(2);
        });
        assertThat(state(c)).isEqualTo("PENDING");
        Map<String, Object> usage = quota("sched-quota");
        assertThat(usage).containsEntry("nominal", 2).containsEntry("used", 2).containsEntry("borrowed", 0)
                .containsEntry("pendingGpus", 2);
        List<Map<String, Object>> queue = given().get("/api/v1/queues?team=sched-quota").then().statusCode(200)
                .extract().path("items");
        assertThat(queue).extracting(e -> e.get("jobId")).containsExactly(c, d);

        // Freeing quota admits the head of the team's queue.
        given().post("/api/v1/jobs/" + a + "/cancel").then().statusCode(202);
        awaitState(c, "RUNNING");
        assertThat(state(d)).isEqualTo("PENDING");
    }

    @Test
    void idleQuotaIsBorrowedAndReclaimedByItsOwnerThroughPreemption() {
        team("sched-lender", "c-borrow", 2, null);
        team("sched-borrower", "c-borrow", 2, null);
        List<String> borrowerJobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            borrowerJobs.add(submit("borrow-" + i, "sched-borrower", "NORMAL"));
        }
        for (String id : borrowerJobs) {
            awaitState(id, "RUNNING"); // 2 within nominal, 2 borrowed from the idle lender
        }
        Map<String, Object> borrower = quota("sched-borrower");
        assertThat(borrower).containsEntry("used", 4).containsEntry("borrowed", 2);
        assertThat(quota("sched-lender")).containsEntry("used", 0).containsEntry("lent", 2);

        // The lender wants its nominal quota back: two borrowed jobs are preempted, requeued, and the lender runs.
        String l1 = submit("lend-1", "sched-lender", "NORMAL");
        String l2 = submit("lend-2", "sched-lender", "NORMAL");
        awaitState(l1, "RUNNING");
        awaitState(l2, "RUNNING");
        List<String> preempted = borrowerJobs.stream().filter(id -> reasons(id).contains("Preempted")).toList();
        assertThat(preempted).hasSize(2);
        for (String id : preempted) {
            List<String> r = reasons(id);
            assertThat(r).containsSubsequence("Started", "PreemptionRequested", "Preempted", "Requeued");
            assertThat(String.join("\n", messages(id))).contains("team sched-lender").contains("RECLAIM");
            assertThat(state(id)).isEqualTo("PENDING");
            given().get("/api/v1/jobs/" + id + "/attempts").then().body("items[0].state",
                    org.hamcrest.Matchers.equalTo("PREEMPTED"));
        }
        assertThat(String.join("\n", messages(l1) )+ String.join("\n", messages(l2))).contains("sched-borrower");
        assertThat(quota("sched-borrower")).containsEntry("used", 2).containsEntry("borrowed", 0);
        // The preempted jobs wait (capacity is full) and keep their place; maxAttempts 1 is not used up.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(queueEntry(preempted.get(0)).getString("reason")).isIn("QUOTA", "CAPACITY"));

        // Kueue-style metrics: preemptions by reason, quota, usage, borrowing, shares, pending by reason, admission wait.
        String metrics = given().get(InfraResource.management("/q/metrics")).then().statusCode(200).extract().asString();
        assertThat(metrics)
                .contains("athanor_preempted_jobs_total{reason=\"RECLAIM\",team=\"sched-borrower\"} 2.0")
                .contains("athanor_quota_gpus{flavor=\"h200-141gb\",limit=\"nominal\",team=\"sched-lender\"} 2.0")
                .contains("athanor_quota_used_gpus{flavor=\"h200-141gb\",team=\"sched-lender\"} 2.0")
                .contains("athanor_team_weighted_share{team=\"sched-borrower\"}")
                .containsPattern("athanor_pending_jobs\\{reason=\"(QUOTA|CAPACITY)\",team=\"sched-borrower\"} [12]\\.0")
                .contains("athanor_admission_wait_seconds_bucket{team=\"sched-lender\"")
                .contains("athanor_admitted_jobs_total{team=\"sched-borrower\"}");
    }

    @Test
    void anUrgentJobPreemptsTheYoungestLowPriorityJobOfItsOwnTeam() {
        team("sched-prio", "c-prio", 2, 0);
        String old = submit("low-old", "sched-prio", "LOW");
        awaitState(old, "RUNNING");
        String young = submit("low-young", "sched-prio", "LOW");
        awaitState(young, "RUNNING");
        String urgent = submit("urgent", "sched-prio", "URGENT");
        awaitState(urgent, "RUNNING");
        assertThat(reasons(young)).contains("PreemptionRequested", "Preempted", "Requeued");
        assertThat(reasons(old)).doesNotContain("PreemptionRequested");
        assertThat(state(old)).isEqualTo("RUNNING");
        assertThat(String.join("\n", messages(young))).contains("urgent").contains("PRIORITY");
        assertThat(String.join("\n", messages(urgent))).contains("low-young");
    }

    @Test
    void badAdminInputGetsProblemsAndChangesNothing() {
        given().contentType(ContentType.JSON).body("{\"name\": \"Bad Name\", \"colour\": 1}").post("/api/v1/teams")
                .then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.hasItems("name", "colour"));
        given().contentType(ContentType.JSON).body("{\"name\": \"sched-admin\", \"weight\": 0}").post("/api/v1/teams")
                .then().statusCode(400).body("errors.field", org.hamcrest.Matchers.hasItem("weight"));
        given().get("/api/v1/teams/sched-admin").then().statusCode(404);
        team("sched-admin", "c-admin", 1, null);
        given().contentType(ContentType.JSON).body("{\"name\": \"sched-admin\"}").post("/api/v1/teams")
                .then().statusCode(409).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("{\"nominal\": -1, \"lendingLimit\": \"all\"}")
                .put("/api/v1/teams/sched-admin/quotas/" + FLAVOR).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItems("nominal", "lendingLimit"));
        given().contentType(ContentType.JSON).body("{\"nominal\": 1}").put("/api/v1/teams/sched-admin/quotas/no-such-gpu")
                .then().statusCode(404).body("detail", org.hamcrest.Matchers.containsString("no flavor no-such-gpu"));
        given().contentType(ContentType.JSON).body("{\"nominal\": 1}").put("/api/v1/teams/no-such-team/quotas/" + FLAVOR)
                .then().statusCode(404);
        given().contentType(ContentType.JSON).body("{\"resourceName\": \"not a resource\"}").put("/api/v1/flavors/x100")
                .then().statusCode(400).body("errors.field", org.hamcrest.Matchers.hasItem("resourceName"));
        given().get("/api/v1/flavors/x100").then().statusCode(404);
        given().delete("/api/v1/flavors/" + FLAVOR).then().statusCode(409);
        given().get("/api/v1/queues?limit=0").then().statusCode(400).contentType("application/problem+json");
        assertThat(quota("sched-admin")).containsEntry("nominal", 1); // the refused changes changed nothing
    }

    @Test
    void aMemberSeesItsOwnTeamsQuotaAndQueueButNotOtherTeamsNorChangesQuotas() {
        team("sched-viewer-team", "c-viewer", 1, null);
        team("sched-hidden", "c-hidden", 1, null);
        given().contentType(ContentType.JSON).body("{\"role\": \"VIEWER\"}")
                .put("/api/v1/teams/sched-viewer-team/members/carol").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        String token = given().contentType(ContentType.JSON).body("{\"name\": \"it\", \"subject\": \"carol\"}")
                .post("/api/v1/tokens").then().statusCode(201).extract().path("token");
        String hidden = submit("hidden-job", "sched-hidden", "NORMAL");
        String auth = TestAuth.bearer(token);

        given().header("Authorization", auth).get("/api/v1/teams/sched-viewer-team/quotas").then().statusCode(200)
                .body("flavors[0].nominal", org.hamcrest.Matchers.equalTo(1));
        given().header("Authorization", auth).get("/api/v1/teams/sched-hidden/quotas").then().statusCode(404);
        given().header("Authorization", auth).get("/api/v1/teams").then().statusCode(200)
                .body("items.name", org.hamcrest.Matchers.contains("sched-viewer-team"));
        given().header("Authorization", auth).get("/api/v1/queues?team=sched-hidden").then().statusCode(200)
                .body("items", org.hamcrest.Matchers.empty());
        given().header("Authorization", auth).get("/api/v1/queues/jobs/" + hidden).then().statusCode(404)
                .body("detail", org.hamcrest.Matchers.equalTo("no job " + hidden));
        given().header("Authorization", auth).contentType(ContentType.JSON).body("{\"nominal\": 4}")
                .put("/api/v1/teams/sched-viewer-team/quotas/" + FLAVOR).then().statusCode(403);
        given().header("Authorization", auth).contentType(ContentType.JSON).body("{\"name\": \"sched-sneaky\"}")
                .post("/api/v1/teams").then().statusCode(403);
        assertThat(quota("sched-viewer-team")).containsEntry("nominal", 1);
        // Quota changes are audited with before and after.
        given().get("/api/v1/audit?action=quota.update&target=team/sched-viewer-team/quota/" + FLAVOR).then().statusCode(200)
                .body("items.size()", org.hamcrest.Matchers.greaterThan(0))
                .body("items[0].details.after.nominal", org.hamcrest.Matchers.equalTo(1));
    }
}
