package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobKind;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code athanor.kubernetes.engine-images.<KIND>} as the Helm chart renders it, and a clear error for a typo. */
class EngineImagesConfigTest {

    @Test
    void kindsAreReadInAnyCaseAndATypoNamesTheKeyAndTheKinds() {
        assertThat(KubernetesBinding.engineImages(Map.of("FINE_TUNE", "ft:1", "labeling", "vllm:1", "fine-tune", "ft:1")))
                .containsEntry(JobKind.FINE_TUNE, "ft:1").containsEntry(JobKind.LABELING, "vllm:1").hasSize(2);
        assertThatThrownBy(() -> KubernetesBinding.engineImages(Map.of("FINETUNE", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("athanor.kubernetes.engine-images.FINETUNE")
                .hasMessageContaining("FINE_TUNE");
    }
}
