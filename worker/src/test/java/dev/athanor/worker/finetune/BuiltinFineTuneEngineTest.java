package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.eval.ClassificationEvalEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BuiltinFineTuneEngineTest {
    @TempDir
    Path tmp;

    static FineTuneSpec spec(String dataset, String out, double epochs) {
        return new FineTuneSpec("builtin", null, dataset, null, null, null, 0, 0, epochs, 8, 0, out, Map.of());
    }

    @Test
    void trainsAClassifierWhoseLossFallsAndThatGeneralizes() throws Exception {
        DemoDataset.generate(tmp.resolve("train"), 80, 1);
        DemoDataset.generate(tmp.resolve("test"), 40, 2);
        try (Fixture f = new Fixture()) {
            EngineOutcome outcome = new BuiltinFineTuneEngine().run(f.context(spec("train/labels.jsonl", "model", 4), tmp));

            List<Double> losses = f.metric("loss");
            assertThat(losses.size()).isGreaterThan(10);
            double firstLoss = losses.subList(0, 3).stream().mapToDouble(d -> d).average().orElseThrow();
            double lastLoss = losses.subList(losses.size() - 3, losses.size()).stream().mapToDouble(d -> d).average()
                    .orElseThrow();
            assertThat(lastLoss).isLessThan(firstLoss * 0.5);
            assertThat(f.metric("accuracy")).last().satisfies(a -> assertThat(a).isGreaterThanOrEqualTo(0.95));
            assertThat(f.metric("eval_loss")).hasSize(4);
            assertThat(f.metric("lr")).first().isEqualTo(0.5);
            assertThat(outcome.summary().get("eval_accuracy")).isGreaterThanOrEqualTo(0.85);

            Path model = tmp.resolve("model");
            assertThat(model.resolve("model.json")).exists();
            JsonNode results = Json.lenient().readTree(model.resolve("train_results.json").toFile());
            assertThat(results.get("train_loss").asDouble()).isPositive();
            assertThat(results.get("epoch").asDouble()).isEqualTo(4.0);
            List<String> log = Files.readAllLines(model.resolve("trainer_log.jsonl"));
            JsonNode first = Json.lenient().readTree(log.get(0));
            assertThat(first.fieldNames()).toIterable().contains("current_steps", "total_steps", "loss", "lr", "epoch",
                    "percentage", "elapsed_time", "remaining_time");
            assertThat(first.get("remaining_time").asText()).matches("\\d+:\\d\\d:\\d\\d");
            JsonNode last = Json.lenient().readTree(log.get(log.size() - 1));
            assertThat(last.get("percentage").asDouble()).isEqualTo(100.0);
            assertThat(f.artifacts()).extracting(a -> a.name())
                    .containsExactly("model.json", "trainer_log.jsonl", "train_results.json");

            EngineOutcome eval = new ClassificationEvalEngine().run(f.context(new EvaluationSpec("classification",
                    "model", null, "test/labels.jsonl", null, "eval"), tmp));
            assertThat(eval.summary().get("accuracy")).isGreaterThanOrEqualTo(0.9);
            JsonNode report = Json.lenient().readTree(tmp.resolve("eval/report.json").toFile());
            assertThat(report.get("labels")).hasSize(4);
            assertThat(report.get("confusion_matrix")).hasSize(4);
        }
    }

    @Test
    void stopsBetweenStepsWhenCancelled() throws Exception {
        DemoDataset.generate(tmp.resolve("train"), 40, 1);
        try (Fixture f = new Fixture()) {
            f.onProgress(step -> {
                if (step == 5 && !f.metric("loss").isEmpty()) {
                    f.cancellation.cancel("test");
                }
            });
            assertThatThrownBy(() -> new BuiltinFineTuneEngine().run(f.context(spec("train/labels.jsonl", "m", 50), tmp)))
                    .isInstanceOf(CancelledException.class);
            assertThat(tmp.resolve("m/model.json")).doesNotExist();
        }
    }

    @Test
    void formatsAndParsesLlamaFactoryTimes() {
        assertThat(TrainerLog.hms(3725)).isEqualTo("1:02:05");
        assertThat(TrainerLog.parseHms("1:02:05")).isEqualTo(3725.0);
        assertThat(TrainerLog.parseHms("2 days, 0:00:10")).isEqualTo(172810.0);
        assertThat(TrainerLog.parseHms("soon")).isEqualTo(-1.0);
    }
}
