package dev.athanor.controlplane.it;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * Issue 8, defect 10, through the control plane (real PostgreSQL and Kafka, Fabric8's mock API server): the only
 * node of a flavor is cordoned. The job used to fail at once as Unschedulable; now it waits PENDING with reason
 * {@code CapacityUnavailable} naming the node, and starts when the node is uncordoned.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(KubernetesProfile.class)
class CapacityDipDoesNotFailJobsIT {

    @BeforeAll
    static void authenticate() {
        TestAuth.asAdmin();
        TestAuth.team("vision");
    }

    @Test
    void aJobForACordonedNodeWaitsWithTheReasonAndStartsWhenTheNodeIsBack() {
        Node node = new NodeBuilder().withNewMetadata().withName("l4-node-1")
                .withLabels(Map.of("gpu.example.com/model", "l4")).endMetadata()
                .withNewSpec().withUnschedulable(true).endSpec()
                .withNewStatus().withAllocatable(Map.of("nvidia.com/gpu", new Quantity("4")))
                .withCapacity(Map.of("nvidia.com/gpu", new Quantity("4")))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        KubernetesMockResource.client.nodes().resource(node).create();
        given().contentType(ContentType.JSON).body("{\"nodeLabels\": {\"gpu.example.com/model\": \"l4\"}}")
                .put("/api/v1/flavors/l4-24gb").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));

        String body = Jobs.simple("k8s-cordoned", "vision")
                .replace("\"gpusPerWorker\": 0", "\"gpusPerWorker\": 2, \"gpuType\": \"l4-24gb\"");
        String id = given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        try {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> given().get("/api/v1/jobs/" + id).then()
                    .body("state", equalTo("PENDING")).body("reason", equalTo("CapacityUnavailable"))
                    .body("message", containsString("l4-node-1 (cordoned)")));
            given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.reason", hasItem("CapacityUnavailable"));
            assertThat(KubernetesIT.pods(id)).isEmpty();

            KubernetesMockResource.client.nodes().withName("l4-node-1")
                    .edit(n -> new NodeBuilder(n).editSpec().withUnschedulable(false).endSpec().build());
            await().atMost(Duration.ofSeconds(60)).until(() -> !KubernetesIT.pods(id).isEmpty());
            // (defect 4) the pod's worker confines spec paths again with the configured roots
            assertThat(KubernetesIT.pods(id).get(0).getSpec().getContainers().get(0).getEnv())
                    .anySatisfy(e -> {
                        assertThat(e.getName()).isEqualTo("ATHANOR_PATH_WRITE_ROOTS");
                        assertThat(e.getValue()).isEqualTo("/tmp");
                    });
            given().contentType(ContentType.JSON).body(body.replace("/tmp/out-", "/var/out-"))
                    .post("/api/v1/jobs").then().statusCode(400).body("errors.field", hasItem("spec.outputDir"));
            given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.to", hasItem("LAUNCHING"))
                    .body("items.reason", org.hamcrest.Matchers.not(hasItem("Unschedulable")));
        } finally {
            given().post("/api/v1/jobs/" + id + "/cancel");
        }
    }
}
