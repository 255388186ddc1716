package dev.athanor.k8s;

import dev.athanor.common.job.Priority;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 8, defect 4 (Kubernetes): shared volumes were mounted read-write, whole, into every team's pods. A writable
 * volume is now mounted per team (subPath = the team), a read-only one (datasets) whole and read-only.
 */
class SharedVolumesArePerTeamTest {
    private final WorkerPodModel model = new WorkerPodModel(Fixtures.config()
            .volume(new SharedVolume("datasets", "athanor-datasets", "/data", true))
            .volume(new SharedVolume("outputs", "athanor-outputs", "/outputs", false))
            .build());

    @Test
    void writableVolumesAreMountedPerTeamAndDatasetsReadOnly() {
        Pod p = model.pods(Fixtures.request(Fixtures.key(3), 1, 0, null, List.of(), Duration.ZERO), Priority.NORMAL)
                .get(0);
        Map<String, VolumeMount> mounts = p.getSpec().getContainers().get(0).getVolumeMounts().stream()
                .collect(Collectors.toMap(VolumeMount::getName, Function.identity()));
        String team = p.getMetadata().getLabels().get("athanor.dev/team");
        assertThat(mounts.get("outputs").getSubPath()).isEqualTo(team);
        assertThat(mounts.get("outputs").getReadOnly()).isFalse();
        assertThat(mounts.get("datasets").getSubPath()).isNull();
        assertThat(mounts.get("datasets").getReadOnly()).isTrue();
        Map<String, Volume> volumes = p.getSpec().getVolumes().stream()
                .collect(Collectors.toMap(Volume::getName, Function.identity()));
        assertThat(volumes.get("datasets").getPersistentVolumeClaim().getReadOnly()).isTrue();
    }

    @Test
    void aTeamThatCannotNameADirectoryIsRefused() {
        assertThat(WorkerPodModel.teamSubPath("vision")).isEqualTo("vision");
        assertThatThrownBy(() -> WorkerPodModel.teamSubPath("..")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WorkerPodModel.teamSubPath(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
