package dev.athanor.k8s;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

final class Fixtures {
    static final String NS = "athanor-jobs";

    private Fixtures() {
    }

    static AttemptKey key(int n) {
        return new AttemptKey(UUID.fromString(String.format("%08d-0000-4000-8000-000000000000", n)), 1);
    }

    static LaunchRequest request(AttemptKey key, int workers, int gpus, String gpuType, List<String> secrets,
                                 Duration maxRuntime) {
        Resources r = new Resources(gpus, workers, gpuType, 4.0, "32Gi");
        WorkerJob job = new WorkerJob(key.jobId(), key.attempt(), 0, "qwen2vl-lora", "vision", JobKind.FINE_TUNE, r,
                JsonNodeFactory.instance.objectNode().put("config", "qwen2vl_lora_sft.yaml"));
        return new LaunchRequest(key, job, r, secrets, maxRuntime, null);
    }

    static KubernetesLauncherConfig.Builder config() {
        return KubernetesLauncherConfig.builder(NS, "registry.example/athanor-worker:0.1.0")
                .kafkaBootstrap("kafka:9092")
                .resyncPeriod(Duration.ofMillis(500))
                .lostGrace(Duration.ofMillis(300))
                .fetchLogs(false);
    }

    static PodStatus running() {
        return new PodStatusBuilder().withPhase("Running").withContainerStatuses(new ContainerStatusBuilder()
                .withName("worker").withState(new ContainerStateBuilder().withNewRunning().endRunning().build())
                .build()).build();
    }

    static PodStatus succeeded() {
        return terminated("Succeeded", 0, "Completed", null);
    }

    static PodStatus failed(int code, String reason, String message) {
        return terminated("Failed", code, reason, message);
    }

    static PodStatus terminated(String phase, int code, String reason, String message) {
        return new PodStatusBuilder().withPhase(phase).withContainerStatuses(new ContainerStatusBuilder()
                .withName("worker").withState(new ContainerStateBuilder().withNewTerminated().withExitCode(code)
                        .withReason(reason).withMessage(message).withFinishedAt("2026-01-01T00:00:00Z")
                        .endTerminated().build()).build()).build();
    }

    static PodStatus waiting(String reason, String message) {
        return new PodStatusBuilder().withPhase("Pending").withContainerStatuses(new ContainerStatusBuilder()
                .withName("worker").withState(new ContainerStateBuilder().withNewWaiting().withReason(reason)
                        .withMessage(message).endWaiting().build()).build()).build();
    }

    static PodStatus unschedulable(String message) {
        return new PodStatusBuilder().withPhase("Pending").withConditions(new PodConditionBuilder()
                .withType("PodScheduled").withStatus("False").withReason("Unschedulable").withMessage(message)
                .build()).build();
    }

    static Pod withStatus(Pod p, PodStatus s) {
        return new PodBuilder(p).withStatus(s).build();
    }
}
