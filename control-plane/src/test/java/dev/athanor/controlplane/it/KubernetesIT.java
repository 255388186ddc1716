package dev.athanor.controlplane.it;

import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * The control plane driving worker pods (athanor.launcher.kind=kubernetes): it takes the leader Lease, records the
 * intent, creates the pod with the deterministic name and restricted spec, and turns the pod's end into the job's
 * state. Fabric8's CRUD mock server stands in for the API server; tests write pod statuses.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(KubernetesProfile.class)
class KubernetesIT {
    static final String NS = "athanor-test";

    @org.junit.jupiter.api.BeforeAll
    static void authenticate() {
        TestAuth.asAdmin();
        TestAuth.team("vision");
    }

    @Test
    void aJobBecomesAPodAndThePodsEndBecomesTheJobsState() {
        String id = given().contentType(ContentType.JSON)
                .body(Jobs.simple("k8s-job", "vision").replace("\"kind\"", "\"priority\": \"HIGH\", \"kind\""))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");

        await().atMost(Duration.ofSeconds(60)).until(() -> !pods(id).isEmpty());
        Pod pod = pods(id).get(0);
        assertThat(pod.getMetadata().getName()).endsWith("-a1-w0");
        assertThat(pod.getMetadata().getLabels()).containsEntry("athanor.dev/team", "vision")
                .containsEntry("athanor.dev/attempt", "1").containsEntry("app.kubernetes.io/managed-by", "athanor");
        assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getSpec().getPriorityClassName()).isEqualTo("athanor-high");
        assertThat(pod.getSpec().getContainers().get(0).getImage()).isEqualTo("athanor/worker:test");
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSpec().getContainers().get(0).getEnv().stream().map(EnvVar::getName)
                .collect(Collectors.toList())).contains("ATHANOR_JOB_ID", "ATHANOR_ATTEMPT", "ATHANOR_KAFKA_BOOTSTRAP");
        given().get("/api/v1/jobs/" + id).then().body("state", equalTo("LAUNCHING"));
        assertThat(KubernetesMockResource.client.leases().inNamespace(NS).withName("athanor-control-plane").get()
                .getSpec().getHolderIdentity()).isEqualTo("replica-a");

        // the pod ran and its worker exited 0
        KubernetesMockResource.client.pods().inNamespace(NS).resource(pod).editStatus(p -> {
            p.setStatus(new PodStatusBuilder().withPhase("Succeeded").withContainerStatuses(new ContainerStatusBuilder()
                    .withName(pod.getSpec().getContainers().get(0).getName())
                    .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(0).withReason("Completed")
                            .endTerminated().build()).build()).build());
            return p;
        });
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("state", equalTo("SUCCEEDED")));
        given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.to", hasItem("LAUNCHING"))
                .body("items.reason", hasItem("Completed"));
    }

    @Test
    void theChartsEngineImageAndVolumeKeysShapeTheWorkerPods() {
        String id = given().contentType(ContentType.JSON).body("""
                {"name": "k8s-eval", "team": "vision", "kind": "EVALUATION",
                 "resources": {"gpusPerWorker": 0, "workers": 1, "cpu": 1, "memory": "1Gi"},
                 "spec": {"engine": "classification", "predictionsFile": "/data/p.jsonl",
                          "groundTruthFile": "/data/g.jsonl", "outputDir": "/tmp/eval-out"}}
                """).post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> !pods(id).isEmpty());
        Pod pod = pods(id).get(0);
        assertThat(pod.getSpec().getContainers().get(0).getImage()).as("the EVALUATION engine image")
                .isEqualTo("athanor/worker-eval:test");
        Map<String, io.fabric8.kubernetes.api.model.VolumeMount> mounts = pod.getSpec().getContainers().get(0)
                .getVolumeMounts().stream().collect(Collectors.toMap(io.fabric8.kubernetes.api.model.VolumeMount::getName,
                        m -> m));
        assertThat(mounts.get("datasets").getMountPath()).isEqualTo("/data");
        assertThat(mounts.get("datasets").getReadOnly()).isTrue();
        assertThat(mounts.get("outputs").getMountPath()).isEqualTo("/outputs");
        assertThat(mounts.get("outputs").getSubPath()).as("writable volumes per team").isEqualTo("vision");
        assertThat(pod.getSpec().getVolumes()).filteredOn(v -> v.getPersistentVolumeClaim() != null)
                .extracting(v -> v.getPersistentVolumeClaim().getClaimName())
                .containsExactlyInAnyOrder("athanor-datasets", "athanor-outputs");
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
    }

    @Test
    void defect1TeamSecretsAreLabelledSecretsAndPodsReferenceOnlyTheirTeamsSecret() {
        TestAuth.team("robotics");
        given().contentType(ContentType.JSON).body(java.util.Map.of("value", "sk-k8s-it-value"))
                .put("/api/v1/teams/vision/secrets/vlm-key").then().statusCode(201);
        io.fabric8.kubernetes.api.model.Secret s = KubernetesMockResource.client.secrets().inNamespace(NS)
                .withName("athanor-team.vision.vlm-key").get();
        assertThat(s.getMetadata().getLabels()).containsEntry("athanor.dev/team", "vision")
                .containsEntry("athanor.dev/secret", "vlm-key");
        given().get("/api/v1/teams/vision/secrets").then().statusCode(200).body("items.name", hasItem("vlm-key"))
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("sk-k8s-it-value")));

        // another team cannot name it
        given().contentType(ContentType.JSON).body(SecretsIT.labeling("robotics", "vlm-key")).post("/api/v1/jobs")
                .then().statusCode(400).body("errors[0].field", equalTo("spec.apiKeySecret"));

        String id = given().contentType(ContentType.JSON).body(SecretsIT.labeling("vision", "vlm-key"))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> !pods(id).isEmpty());
        EnvVar key = pods(id).get(0).getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getName().equals("ATHANOR_SECRET_VLM_KEY")).findFirst().orElseThrow();
        assertThat(key.getValue()).isNull();
        assertThat(key.getValueFrom().getSecretKeyRef().getName()).isEqualTo("athanor-team.vision.vlm-key");
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
    }

    @Test
    void theSchedulersUnschedulableMessageReachesTheTimeline() {
        String id = given().contentType(ContentType.JSON).body(Jobs.simple("k8s-waits", "vision"))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> !pods(id).isEmpty());
        Pod pod = pods(id).get(0);
        String why = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available.";
        KubernetesMockResource.client.pods().inNamespace(NS).resource(pod).editStatus(p -> {
            p.setStatus(new PodStatusBuilder().withPhase("Pending").addNewCondition().withType("PodScheduled")
                    .withStatus("False").withReason("Unschedulable").withMessage(why).endCondition().build());
            return p;
        });
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id).then().body("reason", equalTo("Unschedulable"))
                        .body("message", org.hamcrest.Matchers.containsString(why)).body("state", equalTo("LAUNCHING")));
        given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.reason", hasItem("Unschedulable"));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
    }

    @Test
    void theFlavorCatalogOfTheApiPlacesGpuPods() {
        KubernetesMockResource.client.nodes().resource(new io.fabric8.kubernetes.api.model.NodeBuilder()
                .withNewMetadata().withName("h100-node-1").withLabels(java.util.Map.of("gpu.example.com/model", "h100")).endMetadata()
                .withNewStatus().withAllocatable(java.util.Map.of("nvidia.com/gpu", new io.fabric8.kubernetes.api.model.Quantity("8")))
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build()).create();
        given().contentType(ContentType.JSON).body("{\"tolerations\": [{\"key\": \"dedicated\", \"tolerationSeconds\": \"soon\"}]}")
                .put("/api/v1/flavors/h100-80gb").then().statusCode(400).body("errors.field", hasItem("tolerations"));
        given().contentType(ContentType.JSON).body("{\"nodeLabels\": {\"gpu.example.com/model\": \"h100\"}, \"tolerations\": "
                        + "[{\"key\": \"dedicated\", \"operator\": \"Equal\", \"value\": \"gpu\", \"effect\": \"NoSchedule\"}]}")
                .put("/api/v1/flavors/h100-80gb").then().statusCode(org.hamcrest.Matchers.oneOf(200, 201));

        String body = Jobs.simple("k8s-flavor", "vision").replace("\"gpusPerWorker\": 0", "\"gpusPerWorker\": 2, \"gpuType\": \"h100-80gb\"");
        String id = given().contentType(ContentType.JSON).body(body).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        await().atMost(Duration.ofSeconds(60)).until(() -> !pods(id).isEmpty());
        Pod pod = pods(id).get(0);
        assertThat(pod.getSpec().getNodeSelector()).containsEntry("gpu.example.com/model", "h100");
        assertThat(pod.getSpec().getTolerations()).anySatisfy(t -> {
            assertThat(t.getKey()).isEqualTo("dedicated");
            assertThat(t.getValue()).isEqualTo("gpu");
            assertThat(t.getEffect()).isEqualTo("NoSchedule");
        });
        assertThat(pod.getSpec().getContainers().get(0).getResources().getLimits()).containsKey("nvidia.com/gpu");
        given().get("/api/v1/jobs/" + id + "/timeline").then().body("items.message",
                hasItem(org.hamcrest.Matchers.containsString("h100-80gb")));
        given().post("/api/v1/jobs/" + id + "/cancel").then().statusCode(202);
    }

    static List<Pod> pods(String jobId) {
        return KubernetesMockResource.client.pods().inNamespace(NS).withLabel("athanor.dev/job", jobId).list().getItems();
    }
}
