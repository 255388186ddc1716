package dev.athanor.worker.finetune;

import dev.athanor.common.event.Payloads;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The llamafactory engine against a shell test double of llamafactory-cli. */
class LlamaFactoryEngineTest {
    @TempDir
    Path tmp;
    Path cli;

    @BeforeEach
    void setUp() throws Exception {
        cli = Fixture.script("/testdoubles/llamafactory-cli-test-double.sh", tmp);
    }

    static FineTuneSpec spec(Map<String, String> overrides) {
        return new FineTuneSpec("llamafactory", "Qwen/Qwen2.5-VL-7B-Instruct", "mllm_demo,identity", "data", "qwen2_vl",
                "lora", 8, 1.0e-4, 3.0, 1, 8, "saves/qwen2_vl-7b/lora/sft", overrides);
    }

    @Test
    void writesTheYamlRunsTheCliAndFollowsTheTrainerLog() throws Exception {
        try (Fixture f = new Fixture()) {
            EngineOutcome o = new LlamaFactoryEngine().run(f.context(spec(Map.of("cutoff_len", "1024", "seed", "7")), tmp,
                    Map.of(LlamaFactoryEngine.CLI_ENV, cli.toString(), "CUDA_VISIBLE_DEVICES", "4,5,6,7")));

            String yaml = Files.readString(tmp.resolve("job.yaml"));
            assertThat(yaml).contains("model_name_or_path: Qwen/Qwen2.5-VL-7B-Instruct", "stage: sft", "do_train: true",
                    "finetuning_type: lora", "lora_rank: 8", "lora_target: all", "dataset: \"mllm_demo,identity\"",
                    "template: qwen2_vl", "per_device_train_batch_size: 1", "gradient_accumulation_steps: 8",
                    "learning_rate: 1.0E-4", "num_train_epochs: 3.0", "report_to: none", "overwrite_output_dir: true",
                    "output_dir: " + tmp.resolve("saves/qwen2_vl-7b/lora/sft"));
            String invocation = Files.readString(tmp.resolve("saves/qwen2_vl-7b/lora/sft/test-double-invocation.txt"));
            assertThat(invocation).contains("job.yaml cutoff_len=1024 seed=7").contains("CUDA_VISIBLE_DEVICES=4,5,6,7");

            f.reporter.flush();
            List<Payloads.Progress> progress = f.sink.payloads(Payloads.Progress.class);
            assertThat(progress).last().satisfies(p -> {
                assertThat(p.step()).isEqualTo(6);
                assertThat(p.total()).isEqualTo(6);
                assertThat(p.etaSeconds()).isEqualTo(0.0);
            });
            List<Double> losses = f.metric("loss");
            assertThat(losses).hasSize(6).first().isEqualTo(2.5);
            assertThat(losses).isSortedAccordingTo((a, b) -> Double.compare(b, a));
            assertThat(f.metric("eval_loss")).containsExactly(0.42);
            assertThat(f.metric("lr")).contains(1.0e-4);
            assertThat(o.summary()).containsEntry("train_loss", 0.91).containsEntry("eval_loss", 0.42);
            assertThat(f.artifacts()).extracting(Payloads.Artifact::name).contains("train_results.json",
                    "trainer_log.jsonl", "adapter_config.json");
            assertThat(f.logLines("stdout")).contains("[INFO|trainer.py] ***** Running training *****");
        }
    }

    @Test
    void reportsTheExitCodeWhenTrainingFails() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new LlamaFactoryEngine().run(f.context(spec(Map.of()), tmp,
                    Map.of(LlamaFactoryEngine.CLI_ENV, cli.toString(), "TEST_DOUBLE_FAIL", "1"))))
                    .isInstanceOf(EngineException.class).hasMessageContaining("exited with code 1");
            assertThat(f.logLines("stderr")).anyMatch(l -> l.contains("CUDA out of memory"));
        }
    }

    @Test
    void failsClearlyWhenTheCliIsMissing() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new LlamaFactoryEngine().run(f.context(spec(Map.of()), tmp,
                    Map.of("PATH", tmp.resolve("empty").toString()))))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("llamafactory-cli was not found on PATH")
                    .hasMessageContaining(LlamaFactoryEngine.CLI_ENV);
        }
    }

    @Test
    void cancellationStopsTraining() throws Exception {
        try (Fixture f = new Fixture()) {
            f.onProgress(step -> f.cancellation.cancel("test"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> new LlamaFactoryEngine().run(f.context(spec(Map.of()), tmp,
                    Map.of(LlamaFactoryEngine.CLI_ENV, cli.toString(), "TEST_DOUBLE_STEPS", "50",
                            "TEST_DOUBLE_STEP_SECONDS", "0.2"))))
                    .isInstanceOf(CancelledException.class);
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(8.0);
            assertThat(tmp.resolve("saves/qwen2_vl-7b/lora/sft/train_results.json")).doesNotExist();
        }
    }

    /** Defect 3: running a model's own code is an explicit per-job opt-in, false by default, not settable by overrides. */
    @Test
    void trustRemoteCodeIsAnExplicitOptInFalseByDefault() {
        assertThat(LlamaFactoryConfig.yaml(spec(Map.of()), tmp.resolve("out"), null)).containsEntry("trust_remote_code", false);
        FineTuneSpec optIn = new FineTuneSpec("llamafactory", "m", "d", null, "t", "lora", 8, 1e-4, 1, 1, 1, "o",
                Map.of(), true);
        assertThat(LlamaFactoryConfig.yaml(optIn, tmp.resolve("out"), null)).containsEntry("trust_remote_code", true);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LlamaFactoryConfig.overrideArgs(
                Map.of("trust_remote_code", "true"))).isInstanceOf(dev.athanor.worker.engine.JobRejectedException.class)
                .hasMessageContaining("spec.trustRemoteCode");
    }
}
