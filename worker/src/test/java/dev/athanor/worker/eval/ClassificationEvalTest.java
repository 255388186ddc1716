package dev.athanor.worker.eval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ClassificationEvalTest {
    @TempDir
    Path tmp;

    @Test
    void computesAccuracyMacroFiguresAndConfusion() {
        // truth: a a a b b c ; predicted: a a b b c c
        ClassificationMetrics m = ClassificationMetrics.compute(List.of("a", "a", "a", "b", "b", "c"),
                List.of("a", "a", "b", "b", "c", "c"));
        assertThat(m.accuracy()).isCloseTo(4 / 6.0, within(1e-12));
        // a: P=1 R=2/3 F1=0.8 ; b: P=1/2 R=1/2 F1=1/2 ; c: P=1/2 R=1 F1=2/3
        assertThat(m.macroPrecision()).isCloseTo((1 + 0.5 + 0.5) / 3, within(1e-12));
        assertThat(m.macroRecall()).isCloseTo((2 / 3.0 + 0.5 + 1) / 3, within(1e-12));
        assertThat(m.macroF1()).isCloseTo((0.8 + 0.5 + 2 / 3.0) / 3, within(1e-12));
        assertThat(m.perClass().get("c").support()).isEqualTo(1);
        assertThat(m.confusion()).isEqualTo(new int[][]{{2, 1, 0}, {0, 1, 1}, {0, 0, 1}});
    }

    @Test
    void scoresAPredictionsFileMatchedByImage() throws Exception {
        Files.writeString(tmp.resolve("gt.jsonl"), """
                {"image":"images/1.png","label":"red"}
                {"image":"images/2.png","label":"blue"}
                {"image":"images/3.png","label":"blue"}
                {"image":"images/4.png","label":"red"}
                """);
        // a labeling job writes paths relative to its input dir: matched by file name; 4.png has no prediction
        Files.writeString(tmp.resolve("pred.jsonl"), """
                {"image":"1.png","label":"red","raw":"red"}
                {"image":"2.png","label":"blue"}
                {"image":"3.png","label":"red"}
                """);
        try (Fixture f = new Fixture()) {
            EngineOutcome o = new ClassificationEvalEngine().run(f.context(new EvaluationSpec("classification", null,
                    "pred.jsonl", "gt.jsonl", null, "out"), tmp));
            assertThat(o.summary()).containsEntry("accuracy", 0.5).containsEntry("missing_predictions", 1.0);
            JsonNode r = Json.lenient().readTree(tmp.resolve("out/report.json").toFile());
            assertThat(r.get("labels").toString()).isEqualTo("[\"blue\",\"red\",\"unknown\"]");
            assertThat(r.get("per_class").get("red").get("recall").asDouble()).isEqualTo(0.5);
        }
    }

    @Test
    void needsExactlyOneSource() {
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new ClassificationEvalEngine().run(f.context(new EvaluationSpec("classification",
                    null, null, "gt.jsonl", null, "out"), tmp))).isInstanceOf(JobRejectedException.class);
        }
    }
}
