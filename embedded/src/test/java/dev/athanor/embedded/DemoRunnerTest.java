package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.embedded.DemoRunner.Dataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DemoRunnerTest {

    @TempDir
    Path dir;

    @Test
    void locatesImagesAndGroundTruthWhereverTheGeneratorPutsThem() throws Exception {
        Files.createDirectories(dir.resolve("images"));
        for (int i = 0; i < 5; i++) {
            Files.write(dir.resolve("images/img-" + i + ".png"), new byte[]{1});
        }
        Files.createDirectories(dir.resolve("coco"));
        Files.write(dir.resolve("coco/preview.png"), new byte[]{1});
        Files.writeString(dir.resolve("labels.jsonl"), "{}\n");
        Dataset ds = DemoRunner.locate(dir);
        assertThat(ds.imageDir()).isEqualTo(dir.resolve("images"));
        assertThat(ds.imageCount()).isEqualTo(5);
        assertThat(ds.labels()).isEqualTo(dir.resolve("labels.jsonl"));
    }

    @Test
    void missingGroundTruthIsAClearError() throws Exception {
        Files.write(dir.resolve("a.png"), new byte[]{1});
        assertThatThrownBy(() -> DemoRunner.locate(dir)).hasMessageContaining("no labels.jsonl");
    }

    @Test
    void submissionsAreValidForEachKind() throws Exception {
        Dataset ds = new Dataset(dir, dir.resolve("images"), 48, dir.resolve("labels.jsonl"));
        ObjectNode lab = DemoRunner.submission("demo-label-1", "LABELING",
                DemoRunner.labelingSpec(ds, dir, "http://127.0.0.1:1234/v1"));
        assertThat(lab.path("team").asText()).isEqualTo("default");
        assertThat(lab.path("name").asText()).matches("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
        assertThat(lab.path("resources").path("gpusPerWorker").asInt()).isZero();
        JsonNode spec = lab.path("spec");
        assertThat(spec.path("endpoint").asText()).isEqualTo("http://127.0.0.1:1234/v1");
        assertThat(spec.path("allowedLabels")).extracting(JsonNode::asText).containsExactly("red", "green", "blue", "yellow");

        JsonNode ft = DemoRunner.fineTuneSpec(ds, dir);
        assertThat(ft.path("engine").asText()).isEqualTo("builtin");
        assertThat(ft.path("dataset").asText()).isEqualTo(dir.resolve("labels.jsonl").toString());
        JsonNode ev = DemoRunner.evaluationSpec(ds, dir, dir.resolve("model").toString());
        assertThat(ev.path("engine").asText()).isEqualTo("classification");
        assertThat(ev.path("groundTruthFile").asText()).isEqualTo(dir.resolve("labels.jsonl").toString());
        JsonNode aug = DemoRunner.augmentationSpec(ds, dir);
        assertThat(aug.path("operations")).extracting(JsonNode::asText).contains("hflip");
    }

    @Test
    void progressLineShowsBarStateAndLastMetric() throws Exception {
        DemoRunner.Tracked t = new DemoRunner.Tracked("FINE_TUNE", "x");
        t.id = "id-1";
        t.last = Api.JSON.readTree("""
                {"state":"RUNNING","progress":{"step":30,"total":60,"fraction":0.5,"etaSeconds":12.0},
                 "lastMetrics":{"loss":0.6931}}""");
        String line = DemoRunner.line(t);
        assertThat(line).contains("FINE_TUNE").contains("[############------------]").contains(" 50%")
                .contains("RUNNING").contains("30/60").contains("eta 12s").contains("loss=0.6931");
    }
}
