package dev.athanor.helm;

import dev.athanor.k8s.KubernetesLauncherConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GPU worker images (images/worker-*) agree with what the launcher and the worker expect: the jar at the path of
 * the pod's command, the venv's tools (python3 for diffusers, llamafactory-cli) on PATH, every Python package pinned.
 * Whether the pins exist on PyPI is checked by images/check-pins.sh (it needs the network).
 */
class WorkerImagesTest {
    private static final Path IMAGES = Path.of(System.getProperty("athanor.repo", "..")).resolve("images");
    private static final Pattern PIN = Pattern.compile("^[A-Za-z0-9_.\\-\\[\\]]+==[0-9][A-Za-z0-9_.+\\-]*$");

    @Test
    void everyImageRunsTheLaunchersCommandAndFindsItsTools() throws IOException {
        List<Path> images = dirs();
        assertThat(images).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder("worker-img2img", "worker-vllm", "worker-finetune", "worker-eval");
        String jar = KubernetesLauncherConfig.builder("ns", "img").build().command().get(2);
        for (Path dir : images) {
            String df = Files.readString(dir.resolve("Dockerfile"));
            assertThat(df).as(dir + ": the jar where the pod command runs it")
                    .contains("COPY worker/target/athanor-worker.jar " + jar);
            assertThat(df).as(dir + ": the venv first on PATH").contains("ENV PATH=/opt/venv/bin:");
            assertThat(df).as(dir + ": diffusers' interpreter").contains("ATHANOR_PYTHON=/opt/venv/bin/python3");
            assertThat(df).as(dir + ": non-root like the pod").contains("USER 1000");
            assertThat(df).as(dir + ": base images pinned").containsPattern("CUDA_IMAGE=nvidia/cuda:\\d+\\.\\d+\\.\\d+-")
                    .containsPattern("JRE_IMAGE=eclipse-temurin:\\d+\\.\\d+\\.\\d+_\\d+-jre");
            assertThat(df).contains("COPY images/" + dir.getFileName() + "/requirements.txt");
        }
        // llamafactory-cli is installed into the venv by the fine-tune image: the engine finds it on PATH
        assertThat(Files.readString(IMAGES.resolve("worker-finetune/requirements.txt"))).contains("llamafactory==");
    }

    @Test
    void everyPythonPackageIsPinnedExactlyAndTorchIsTheSameEverywhere() throws IOException {
        String torch = null;
        for (Path dir : dirs()) {
            List<String> pins = Files.readAllLines(dir.resolve("requirements.txt")).stream()
                    .map(l -> l.replaceAll("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
            assertThat(pins).as(dir.toString()).isNotEmpty().allMatch(l -> PIN.matcher(l).matches());
            String t = pins.stream().filter(l -> l.startsWith("torch==")).findFirst().orElseThrow();
            torch = torch == null ? t : torch;
            assertThat(t).as("one torch (one CUDA build) across images").isEqualTo(torch);
        }
    }

    private static List<Path> dirs() throws IOException {
        try (Stream<Path> s = Files.list(IMAGES)) {
            return s.filter(p -> Files.isRegularFile(p.resolve("Dockerfile"))).sorted().toList();
        }
    }
}
