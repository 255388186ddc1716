package dev.athanor.controlplane.it;

import io.fabric8.kubernetes.api.model.Pod;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 8, defect 13, end to end with real PostgreSQL and Kafka: the API server (Fabric8's mock) refuses a job's pod
 * creates twice as over quota; the job, with {@code maxAttempts: 1}, is not failed but launched a third time after
 * backoffs, and the refusals are counted on the timeline, not against its attempts.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(KubernetesProfile.class)
class LaunchRefusalsDoNotBurnAttemptsIT {

    @BeforeAll
    static void authenticate() {
        TestAuth.asAdmin();
        TestAuth.team("vision");
    }

    @Test
    void quotaRefusalsAreRetriedWithBackoffWithoutUsingAnAttempt() {
        KubernetesMockResource.refusePodCreates.set(2);
        String body = Jobs.simple("k8s-refused", "vision").replace("\"maxAttempts\": 2", "\"maxAttempts\": 1");
        String id = given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> !KubernetesIT.pods(id).isEmpty());
            Pod pod = KubernetesIT.pods(id).get(0);
            assertThat(pod.getMetadata().getLabels()).containsEntry("athanor.dev/attempt", "3");
            JsonPath job = given().get("/api/v1/jobs/" + id).then().statusCode(200).extract().jsonPath();
            assertThat(job.getString("state")).isEqualTo("LAUNCHING");
            assertThat(job.getInt("maxAttempts")).isEqualTo(1);

            List<Map<String, Object>> timeline = given().get("/api/v1/jobs/" + id + "/timeline").then()
                    .statusCode(200).extract().jsonPath().getList("items");
            List<Map<String, Object>> refused = timeline.stream()
                    .filter(t -> "LaunchRefused".equals(t.get("reason"))).toList();
            assertThat(refused).hasSize(2).allSatisfy(t -> assertThat((String) t.get("message"))
                    .contains("exceeded quota").contains("does not use an attempt"));
            assertThat(timeline).noneSatisfy(t -> assertThat(t.get("to")).isEqualTo("FAILED"));
            // each refusal waited its backoff (1 s, then 2 s in this profile) before the next launch
            List<Instant> launches = timeline.stream().filter(t -> "Launching".equals(t.get("reason")))
                    .map(t -> Instant.parse((String) t.get("at"))).toList();
            assertThat(launches).hasSize(3);
            assertThat(Duration.between(launches.get(0), launches.get(1))).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(Duration.between(launches.get(1), launches.get(2))).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
        } finally {
            KubernetesMockResource.refusePodCreates.set(0);
            given().post("/api/v1/jobs/" + id + "/cancel");
        }
    }
}
