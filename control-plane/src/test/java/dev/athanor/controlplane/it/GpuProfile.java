package dev.athanor.controlplane.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The local launcher on a machine with four H200 GPUs. nvidia-smi is a test double: a script printing the
 * documented {@code --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits} output of such a machine
 * (workers get disjoint {@code CUDA_VISIBLE_DEVICES}; the engines under test do not touch the GPU). Preemption
 * may happen at once (minimum runtime 0, reclaim without waiting) with a short grace, and the queue is published every 100 ms.
 */
public class GpuProfile implements QuarkusTestProfile {

    static final int GPUS = 4;

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "athanor.local.nvidia-smi", fakeNvidiaSmi().toString(),
                "athanor.scheduling.min-runtime", "0s",
                "athanor.scheduling.reclaim-after", "0s",
                "athanor.scheduling.preemption-grace", "5s",
                "athanor.scheduling.publish-interval", "100ms");
    }

    static synchronized Path fakeNvidiaSmi() {
        try {
            Path dir = Files.createDirectories(TestInfra.home().resolve("bin"));
            Path script = dir.resolve("nvidia-smi-test-double");
            StringBuilder out = new StringBuilder("#!/bin/sh\n# test double for nvidia-smi on a 4 x H200 machine\ncat <<'EOF'\n");
            for (int i = 0; i < GPUS; i++) {
                out.append(i).append(", GPU-00000000-0000-0000-0000-00000000000").append(i).append(", NVIDIA H200, 143771\n");
            }
            out.append("EOF\n");
            Files.writeString(script, out);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
