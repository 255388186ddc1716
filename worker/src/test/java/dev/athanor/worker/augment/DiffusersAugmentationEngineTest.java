package dev.athanor.worker.augment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Java side of the diffusers engine, against a shell test double that speaks the helper's line protocol. */
class DiffusersAugmentationEngineTest {
    @TempDir
    Path tmp;
    Path python;

    @BeforeEach
    void setUp() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 3, 1);
        python = Fixture.script("/testdoubles/diffusers-python-test-double.sh", tmp);
    }

    static AugmentationSpec spec(String model) {
        return new AugmentationSpec("data/images", "sd", "diffusers", 2, null, 100, model, "a man is running, 4k",
                "blur face, float object, extra limb", 0.55, 22, 40);
    }

    @Test
    void runsTheHelperAndTurnsItsLinesIntoEvents() throws Exception {
        try (Fixture f = new Fixture()) {
            EngineOutcome o = new DiffusersAugmentationEngine().run(f.context(spec("stabilityai/stable-diffusion-3.5-large"),
                    tmp, Map.of(DiffusersAugmentationEngine.PYTHON_ENV, python.toString())));

            assertThat(o.summary()).containsEntry("images_written", 6.0);
            assertThat(tmp.resolve("sd/img_0000_sd0.png")).exists();
            assertThat(tmp.resolve("sd/img_0002_sd1.png")).exists();
            assertThat(f.artifacts()).hasSize(6).allSatisfy(a -> assertThat(a.kind()).isEqualTo("image"));
            f.reporter.flush();
            List<Payloads.Progress> progress = f.sink.payloads(Payloads.Progress.class);
            assertThat(progress).last().satisfies(p -> {
                assertThat(p.step()).isEqualTo(24);
                assertThat(p.total()).isEqualTo(24);
            });
            assertThat(f.logLines("stderr")).contains("loading pipeline components (test double)");

            JsonNode cfg = Json.lenient().readTree(tmp.resolve(".athanor/img2img-job.json").toFile());
            assertThat(cfg.get("strength").asDouble()).isEqualTo(0.55);
            assertThat(cfg.get("guidance_scale").asDouble()).isEqualTo(22.0);
            assertThat(cfg.get("num_inference_steps").asInt()).isEqualTo(40);
            assertThat(cfg.get("negative_prompt").asText()).isEqualTo("blur face, float object, extra limb");
            assertThat(cfg.get("items").get(3).get("seed").asLong()).isEqualTo(103);
            assertThat(tmp.resolve(".athanor/athanor_img2img.py")).exists();
            assertThat(Files.readString(tmp.resolve(".athanor/athanor_img2img.py")))
                    .contains("AutoPipelineForImage2Image").contains("callback_on_step_end").contains("manual_seed");
        }
    }

    @Test
    void failsClearlyWithoutDiffusers() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new DiffusersAugmentationEngine().run(f.context(spec("m"), tmp,
                    Map.of(DiffusersAugmentationEngine.PYTHON_ENV, python.toString(), "TEST_DOUBLE_NO_DIFFUSERS", "1"))))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining(DiffusersAugmentationEngine.MISSING_MESSAGE)
                    .hasMessageContaining("No module named 'diffusers'");
            assertThatThrownBy(() -> new DiffusersAugmentationEngine().run(f.context(spec("m"), tmp,
                    Map.of(DiffusersAugmentationEngine.PYTHON_ENV, tmp.resolve("no-such-python").toString()))))
                    .hasMessageContaining(DiffusersAugmentationEngine.MISSING_MESSAGE);
        }
    }

    @Test
    void needsAModel() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new DiffusersAugmentationEngine().run(f.context(spec(null), tmp)))
                    .isInstanceOf(JobRejectedException.class).hasMessageContaining("spec.model");
        }
    }

    @Test
    void cancellationKillsTheHelper() throws Exception {
        try (Fixture f = new Fixture()) {
            f.onProgress(step -> f.cancellation.cancel("test"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> new DiffusersAugmentationEngine().run(f.context(spec("m"), tmp,
                    Map.of(DiffusersAugmentationEngine.PYTHON_ENV, python.toString(), "TEST_DOUBLE_STEP_SECONDS", "0.5"))))
                    .isInstanceOf(CancelledException.class);
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(5.0);
            assertThat(tmp.resolve("sd/img_0002_sd1.png")).doesNotExist();
        }
    }
}
