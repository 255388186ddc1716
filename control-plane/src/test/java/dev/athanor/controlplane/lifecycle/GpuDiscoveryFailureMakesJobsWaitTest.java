package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.Resources;
import dev.athanor.launcher.local.Capacity;
import dev.athanor.launcher.local.GpuInventory;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, defect 10 (local mode): an nvidia-smi failure at start left an empty GPU inventory, and every GPU job
 * failed as "needs N GPU(s); this machine has 0". A failed discovery now makes GPU jobs wait, with the reason; a
 * machine that really has no GPUs still fails them.
 */
class GpuDiscoveryFailureMakesJobsWaitTest {
    static final Capacity NO_GPUS = new Capacity(Map.of(), Map.of(), List.of(), 0, 0, 2, 2);
    static final Resources TWO_GPUS = new Resources(2, 1, null, 1, "1Gi");

    @Test
    void aFailedDiscoveryMakesGpuJobsWaitWithTheReason() {
        GpuInventory failed = new GpuInventory(List.of(), "nvidia-smi exited with code 9: NVIDIA-SMI has failed");
        assertThat(LocalLauncherBinding.neverFits(TWO_GPUS, NO_GPUS, failed)).isNull();
        assertThat(LocalLauncherBinding.neverFits(new Resources(1, 1, "h200-141gb", 1, "1Gi"), NO_GPUS, failed)).isNull();
        assertThat(LocalLauncherBinding.waitsFor(TWO_GPUS, failed))
                .contains("GPU discovery failed").contains("NVIDIA-SMI has failed").contains("waits");
    }

    @Test
    void aMachineWithoutGpusStillFailsGpuJobsAndCpuJobsAreUnaffected() {
        assertThat(LocalLauncherBinding.neverFits(TWO_GPUS, NO_GPUS, GpuInventory.none()))
                .contains("this machine has 0").contains("nvidia-smi found none");
        assertThat(LocalLauncherBinding.waitsFor(TWO_GPUS, GpuInventory.none())).isNull();
        Resources cpu = new Resources(0, 1, null, 1, "1Gi");
        GpuInventory failed = new GpuInventory(List.of(), "nvidia-smi did not answer within PT20S");
        assertThat(LocalLauncherBinding.neverFits(cpu, NO_GPUS, failed)).isNull();
        assertThat(LocalLauncherBinding.waitsFor(cpu, failed)).isNull();
    }
}
