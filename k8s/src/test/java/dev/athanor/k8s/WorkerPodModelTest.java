package dev.athanor.k8s;

import dev.athanor.common.job.Priority;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.launch.WorkerJob;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerPodModelTest {

    private final KubernetesLauncherConfig config = Fixtures.config()
            .flavor(new GpuFlavor("h200-141gb", Map.of("nvidia.com/gpu.product", "NVIDIA-H200"),
                    List.of(new TolerationBuilder().withKey("dedicated").withValue("h200").withOperator("Equal")
                            .withEffect("NoSchedule").build())))
            .priorityClass(Priority.HIGH, "athanor-high")
            .priorityClass(Priority.NORMAL, "athanor-normal")
            .shmSizeLimit("16Gi")
            .volume(new SharedVolume("datasets", "athanor-datasets", "/data", true))
            .volume(new SharedVolume("models", "athanor-models", "/models", false))
            .runAsUser(1000L)
            .build();
    private final WorkerPodModel model = new WorkerPodModel(config);

    @Test
    void gangOfTwoEightGpuWorkersGetsTheWholeSpec() {
        AttemptKey key = Fixtures.key(7);
        LaunchRequest req = Fixtures.request(key, 2, 8, "h200-141gb", List.of("openai-key"), Duration.ofHours(2));
        List<Pod> pods = model.pods(req, Priority.HIGH);
        assertThat(pods).hasSize(2);
        Pod p = pods.get(1);

        assertThat(p.getMetadata().getName()).isEqualTo(key.name() + "-w1");
        assertThat(p.getMetadata().getNamespace()).isEqualTo(Fixtures.NS);
        assertThat(p.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "app.kubernetes.io/name", "athanor-worker",
                "app.kubernetes.io/managed-by", "athanor",
                "app.kubernetes.io/part-of", "athanor",
                "athanor.dev/team", "vision",
                "athanor.dev/job", key.jobId().toString(),
                "athanor.dev/attempt", "1",
                "athanor.dev/kind", "fine-tune",
                "athanor.dev/worker", "1"));
        assertThat(p.getMetadata().getAnnotations()).containsEntry("athanor.dev/workers", "2")
                .containsEntry("athanor.dev/job-name", "qwen2vl-lora");

        var spec = p.getSpec();
        assertThat(spec.getRestartPolicy()).isEqualTo("Never");
        assertThat(spec.getPriorityClassName()).isEqualTo("athanor-high");
        assertThat(spec.getActiveDeadlineSeconds()).isEqualTo(7200L);
        assertThat(spec.getAutomountServiceAccountToken()).isFalse();
        assertThat(spec.getEnableServiceLinks()).isFalse();
        assertThat(spec.getHostname()).isEqualTo(key.name() + "-w1");
        assertThat(spec.getSubdomain()).isEqualTo(key.name());
        assertThat(spec.getNodeSelector()).containsExactlyEntriesOf(Map.of("nvidia.com/gpu.product", "NVIDIA-H200"));
        assertThat(spec.getTolerations()).extracting(t -> t.getKey() + ":" + t.getOperator() + ":" + t.getEffect())
                .containsExactly("nvidia.com/gpu:Exists:NoSchedule", "dedicated:Equal:NoSchedule");
        assertThat(spec.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(spec.getSecurityContext().getRunAsUser()).isEqualTo(1000L);
        assertThat(spec.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");

        assertThat(spec.getVolumes()).hasSize(4);
        assertThat(spec.getVolumes().get(0).getName()).isEqualTo("dshm");
        assertThat(spec.getVolumes().get(0).getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(spec.getVolumes().get(0).getEmptyDir().getSizeLimit()).isEqualTo(new Quantity("16Gi"));
        assertThat(spec.getVolumes().get(2).getPersistentVolumeClaim().getClaimName()).isEqualTo("athanor-datasets");
        assertThat(spec.getVolumes().get(2).getPersistentVolumeClaim().getReadOnly()).isTrue();
        assertThat(spec.getVolumes().get(3).getPersistentVolumeClaim().getClaimName()).isEqualTo("athanor-models");

        Container c = spec.getContainers().get(0);
        assertThat(spec.getContainers()).hasSize(1);
        assertThat(c.getName()).isEqualTo("worker");
        assertThat(c.getImage()).isEqualTo("registry.example/athanor-worker:0.1.0");
        assertThat(c.getCommand()).containsExactly("java", "-jar", "/opt/athanor/athanor-worker.jar");
        assertThat(c.getTerminationMessagePolicy()).isEqualTo("FallbackToLogsOnError");
        assertThat(c.getResources().getRequests()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "cpu", new Quantity("4"), "memory", new Quantity("32Gi"), "nvidia.com/gpu", new Quantity("8")));
        assertThat(c.getResources().getLimits()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "memory", new Quantity("32Gi"), "nvidia.com/gpu", new Quantity("8")));
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(c.getVolumeMounts()).extracting(m -> m.getName() + "@" + m.getMountPath())
                .containsExactly("dshm@/dev/shm", "work@/workspace", "datasets@/data", "models@/models");

        Map<String, EnvVar> env = c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get(WorkerContract.JOB_ID).getValue()).isEqualTo(key.jobId().toString());
        assertThat(env.get(WorkerContract.ATTEMPT).getValue()).isEqualTo("1");
        assertThat(env.get(WorkerContract.WORKER_INDEX).getValue()).isEqualTo("1");
        assertThat(env.get(WorkerContract.KAFKA_BOOTSTRAP).getValue()).isEqualTo("kafka:9092");
        assertThat(env.get(WorkerContract.EVENTS_TOPIC).getValue()).isEqualTo("athanor.events");
        assertThat(env.get(WorkerContract.WORK_DIR).getValue()).isEqualTo("/workspace");
        assertThat(env.get("MASTER_ADDR").getValue())
                .isEqualTo(key.name() + "-w0." + key.name() + "." + Fixtures.NS + ".svc.cluster.local");
        assertThat(env.get("MASTER_PORT").getValue()).isEqualTo("29500");
        assertThat(env.get("NNODES").getValue()).isEqualTo("2");
        assertThat(env.get("NODE_RANK").getValue()).isEqualTo("1");
        assertThat(env.get("NPROC_PER_NODE").getValue()).isEqualTo("8");
        WorkerJob job = Json.lenient().convertValue(
                Json.lenient().valueToTree(parse(env.get(WorkerContract.JOB_JSON).getValue())), WorkerJob.class);
        assertThat(job.worker()).isEqualTo(1);
        assertThat(job.jobId()).isEqualTo(key.jobId());
        assertThat(job.spec().get("config").asText()).isEqualTo("qwen2vl_lora_sft.yaml");

        EnvVar secret = env.get("ATHANOR_SECRET_OPENAI_KEY");
        assertThat(secret.getValue()).isNull();
        // the job's own team's Secret, never a Secret named by the spec alone (issue 8, defect 1)
        assertThat(secret.getValueFrom().getSecretKeyRef().getName()).isEqualTo("athanor-team.vision.openai-key");
        assertThat(secret.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("value");
        // no plain env value anywhere holds anything but non-secret configuration
        assertThat(c.getEnv()).filteredOn(e -> e.getName().startsWith(WorkerContract.SECRET_PREFIX))
                .allMatch(e -> e.getValue() == null && e.getValueFrom().getSecretKeyRef() != null);
    }

    /** Defect 3: the attempt's event-signing key reaches its pods only through a per-attempt Secret. */
    @Test
    void theEventKeyIsAPerAttemptSecretTheWorkersReferToNeverAPlainValue() {
        AttemptKey key = Fixtures.key(9);
        LaunchRequest req = Fixtures.request(key, 2, 8, "h200-141gb", List.of(), Duration.ofHours(2))
                .withEventKey(new LaunchRequest.EventKey("c2VjcmV0LWtleS1vZi10aGlzLWF0dGVtcHQ"));
        assertThat(req.toString()).doesNotContain("c2VjcmV0LWtleS1vZi10aGlzLWF0dGVtcHQ");
        var secret = model.eventKeySecret(req);
        assertThat(secret.getMetadata().getName()).isEqualTo(key.name() + "-events");
        assertThat(secret.getMetadata().getLabels()).containsEntry("athanor.dev/job", key.jobId().toString())
                .containsEntry("athanor.dev/attempt", "1");
        assertThat(secret.getStringData()).containsEntry("key", "c2VjcmV0LWtleS1vZi10aGlzLWF0dGVtcHQ");
        for (Pod p : model.pods(req, Priority.NORMAL)) {
            EnvVar e = p.getSpec().getContainers().get(0).getEnv().stream()
                    .filter(v -> v.getName().equals(WorkerContract.EVENT_KEY)).findFirst().orElseThrow();
            assertThat(e.getValue()).isNull();
            assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(key.name() + "-events");
            assertThat(Json.write(p)).doesNotContain("c2VjcmV0LWtleS1vZi10aGlzLWF0dGVtcHQ");
        }
        assertThat(model.eventKeySecret(Fixtures.request(key, 1, 1, "h200-141gb", List.of(), Duration.ZERO))).isNull();
    }

    private static Object parse(String json) {
        try {
            return Json.lenient().readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aJobRunsTheImageOfItsEngineAndOtherKindsTheDefaultImage() {
        KubernetesLauncherConfig cfg = Fixtures.config()
                .engineImage(dev.athanor.common.job.JobKind.FINE_TUNE, "ghcr.io/athanor/worker-finetune:0.1.0").build();
        LaunchRequest fineTune = Fixtures.request(Fixtures.key(4), 1, 1, null, List.of(), Duration.ZERO);
        assertThat(new WorkerPodModel(cfg).pods(fineTune, Priority.NORMAL).get(0).getSpec().getContainers().get(0)
                .getImage()).isEqualTo("ghcr.io/athanor/worker-finetune:0.1.0");
        assertThat(cfg.imageFor(dev.athanor.common.job.JobKind.LABELING)).isEqualTo(cfg.image());
        assertThat(cfg.toBuilder().build().imageFor(dev.athanor.common.job.JobKind.FINE_TUNE))
                .as("kept by toBuilder").isEqualTo("ghcr.io/athanor/worker-finetune:0.1.0");
    }

    @Test
    void headlessServiceSelectsTheAttemptAndPublishesNotReadyAddresses() {
        AttemptKey key = Fixtures.key(8);
        Service s = model.service(Fixtures.request(key, 4, 2, null, List.of(), Duration.ZERO));
        assertThat(s.getMetadata().getName()).isEqualTo(key.name());
        assertThat(s.getSpec().getClusterIP()).isEqualTo("None");
        assertThat(s.getSpec().getPublishNotReadyAddresses()).isTrue();
        assertThat(s.getSpec().getSelector()).isEqualTo(Labels.attempt(key));
        assertThat(s.getSpec().getPorts()).singleElement().satisfies(p -> assertThat(p.getPort()).isEqualTo(29500));
    }

    @Test
    void singleCpuWorkerHasNoServiceNoGpuNoDeadlineAndDefaultPriorityClass() {
        AttemptKey key = Fixtures.key(9);
        LaunchRequest req = Fixtures.request(key, 1, 0, null, List.of(), Duration.ZERO);
        assertThat(model.service(req)).isNull();
        Pod p = model.pods(req, null).get(0);
        assertThat(p.getSpec().getActiveDeadlineSeconds()).isNull();
        assertThat(p.getSpec().getPriorityClassName()).isEqualTo("athanor-normal");
        assertThat(p.getSpec().getHostname()).isNull();
        assertThat(p.getSpec().getNodeSelector()).isNull();
        assertThat(p.getSpec().getTolerations()).isNull();
        assertThat(p.getSpec().getContainers().get(0).getResources().getRequests()).doesNotContainKey("nvidia.com/gpu");
        assertThat(p.getSpec().getContainers().get(0).getEnv()).filteredOn(e -> e.getName().equals("MASTER_ADDR"))
                .singleElement().satisfies(e -> assertThat(e.getValue()).isEqualTo("127.0.0.1"));
    }

    @Test
    void unconfiguredGpuTypeSelectsNodesByTheFlavorLabel() {
        Pod p = model.pods(Fixtures.request(Fixtures.key(10), 1, 1, "a100-80gb", List.of(), Duration.ZERO), null).get(0);
        assertThat(p.getSpec().getNodeSelector()).containsExactlyEntriesOf(Map.of("athanor.dev/gpu-type", "a100-80gb"));
    }

    @Test
    void namesAreDeterministicAndCpuQuantitiesExact() {
        AttemptKey key = Fixtures.key(11);
        LaunchRequest req = Fixtures.request(key, 2, 1, null, List.of(), Duration.ZERO);
        assertThat(model.pods(req, Priority.LOW)).isEqualTo(model.pods(req, Priority.LOW));
        assertThat(WorkerPodModel.podName(key, 3)).isEqualTo(key.name() + "-w3");
        assertThat(WorkerPodModel.cpu(0.5)).isEqualTo("500m");
        assertThat(WorkerPodModel.cpu(2.0)).isEqualTo("2");
        assertThat(WorkerPodModel.cpu(1.25)).isEqualTo("1250m");
    }
}
