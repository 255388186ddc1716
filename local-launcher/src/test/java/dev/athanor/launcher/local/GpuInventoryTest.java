package dev.athanor.launcher.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GpuInventoryTest {

    @TempDir
    Path tmp;

    private static String resource(String name) throws Exception {
        try (InputStream in = GpuInventoryTest.class.getResourceAsStream("/nvidia-smi/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesNvidiaSmiCsv() throws Exception {
        List<GpuInventory.Gpu> gpus = GpuInventory.parse(resource("mixed.csv"));
        assertThat(gpus).hasSize(5);
        assertThat(gpus.get(0)).isEqualTo(new GpuInventory.Gpu(0, "GPU-3b2f7c0e-91d4-5a8e-b6c2-7f1e0d9a4c35",
                "NVIDIA H200", 143771));
        assertThat(gpus.get(1).name()).isEqualTo("NVIDIA GeForce RTX 4090");
        assertThat(gpus.get(4).memoryMiB()).isZero(); // [N/A]
        assertThat(GpuInventory.parse("0, GPU-x, Weird, Name, 1024\n").get(0).name()).isEqualTo("Weird, Name");
        assertThatThrownBy(() -> GpuInventory.parse("No devices were found"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void matchesFlavorNames() throws Exception {
        List<GpuInventory.Gpu> g = GpuInventory.parse(resource("mixed.csv"));
        assertThat(g.get(0).matches("h200-141gb")).isTrue();
        assertThat(g.get(0).matches("h200")).isTrue();
        assertThat(g.get(0).matches(null)).isTrue();
        assertThat(g.get(0).matches("h100-80gb")).isFalse();
        assertThat(g.get(1).matches("rtx-4090")).isTrue();
        assertThat(g.get(1).matches("rtx-3090")).isFalse();
        assertThat(g.get(2).matches("h100-80gb")).isTrue();
        assertThat(g.get(3).matches("a100-40gb")).isTrue();
        assertThat(g.get(3).matches("a100-80gb")).isFalse();
        GpuInventory.Gpu a100 = GpuInventory.parse(resource("a100-sxm4-80gb-x4.csv")).get(0);
        assertThat(a100.matches("a100-80gb")).isTrue();
        assertThat(a100.matches("a100-40gb")).isFalse();
    }

    @Test
    void discoversThroughTheConfiguredExecutable() throws Exception {
        Path fake = Fixtures.fakeNvidiaSmi(tmp, "a100-sxm4-80gb-x4.csv", 0);
        GpuInventory inv = GpuInventory.discover(fake.toString(), Duration.ofSeconds(10));
        assertThat(inv.count()).isEqualTo(4);
        assertThat(inv.problem()).isNull();
        assertThat(inv.gpus()).extracting(GpuInventory.Gpu::index).containsExactly(0, 1, 2, 3);
        assertThat(Files.readString(tmp.resolve("args.txt")).strip())
                .isEqualTo(String.join(" ", GpuInventory.QUERY_ARGS));
    }

    @Test
    void noToolMeansNoGpusAndAFailingToolIsReported() throws Exception {
        assertThat(GpuInventory.discover(null, Duration.ofSeconds(1)).count()).isZero();
        GpuInventory missing = GpuInventory.discover("athanor-no-such-nvidia-smi", Duration.ofSeconds(1));
        assertThat(missing.count()).isZero();
        assertThat(missing.problem()).isNull();

        Path script = tmp.resolve("broken-smi");
        Files.writeString(script, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with"
                + " the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\"\nexit 9\n");
        script.toFile().setExecutable(true);
        GpuInventory broken = GpuInventory.discover(script.toString(), Duration.ofSeconds(10));
        assertThat(broken.count()).isZero();
        assertThat(broken.problem()).contains("exited with code 9").contains("couldn't communicate");
    }
}
