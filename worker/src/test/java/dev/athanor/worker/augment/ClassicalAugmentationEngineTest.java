package dev.athanor.worker.augment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.util.Hashing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ClassicalAugmentationEngineTest {
    static final List<String> ALL_OPS = List.of("hflip", "vflip", "rotate", "crop", "color-jitter", "blur", "noise",
            "grayscale");

    @TempDir
    Path tmp;

    static AugmentationSpec spec(String in, String out, int perImage, List<String> ops, long seed) {
        return new AugmentationSpec(in, out, "classical", perImage, ops, seed, null, null, null, 0, 0, 0);
    }

    @Test
    void writesAugmentedImagesThatDifferFromTheSourceWithAManifest() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 6, 1);
        try (Fixture f = new Fixture()) {
            EngineOutcome outcome = new ClassicalAugmentationEngine().run(
                    f.context(spec("data/images", "aug", 3, ALL_OPS, 11), tmp));

            assertThat(outcome.summary()).containsEntry("images_written", 18.0);
            Path out = tmp.resolve("aug");
            for (int i = 0; i < 6; i++) {
                BufferedImage src = ImageIO.read(tmp.resolve("data/images/img_%04d.png".formatted(i)).toFile());
                for (int k = 0; k < 3; k++) {
                    Path p = out.resolve("img_%04d_aug%d.png".formatted(i, k));
                    BufferedImage aug = ImageIO.read(p.toFile());
                    assertThat(aug.getWidth()).isEqualTo(src.getWidth());
                    assertThat(aug.getHeight()).isEqualTo(src.getHeight());
                    assertThat(meanAbsDiff(src, aug)).as(p.toString()).isGreaterThan(0.5);
                }
            }
            List<String> manifest = Files.readAllLines(out.resolve("manifest.jsonl"));
            assertThat(manifest).hasSize(6);
            JsonNode first = Json.lenient().readTree(manifest.get(0));
            assertThat(first.get("source").asText()).isEqualTo("img_0000.png");
            assertThat(first.get("outputs")).hasSize(3);
            assertThat(first.get("outputs").get(0).get("operations")).isNotEmpty();
            assertThat(f.artifacts()).hasSize(19);
            assertThat(f.artifacts().get(0).sha256()).isEqualTo(Hashing.sha256(out.resolve(f.artifacts().get(0).name())));
            assertThat(f.metric("images_per_second")).isNotEmpty().allSatisfy(v -> assertThat(v).isPositive());
        }
    }

    @Test
    void isDeterministicForASeed() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 3, 1);
        try (Fixture f = new Fixture()) {
            var engine = new ClassicalAugmentationEngine();
            engine.run(f.context(spec("data/images", "a", 2, ALL_OPS, 5), tmp));
            engine.run(f.context(spec("data/images", "b", 2, ALL_OPS, 5), tmp));
            engine.run(f.context(spec("data/images", "c", 2, ALL_OPS, 6), tmp));
        }
        for (String name : List.of("img_0000_aug0.png", "img_0001_aug1.png")) {
            assertThat(Files.readAllBytes(tmp.resolve("a").resolve(name)))
                    .isEqualTo(Files.readAllBytes(tmp.resolve("b").resolve(name)));
        }
        assertThat(Files.readString(tmp.resolve("a/manifest.jsonl")))
                .isNotEqualTo(Files.readString(tmp.resolve("c/manifest.jsonl")));
    }

    @Test
    void eachOperationChangesTheImage() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 1, 3);
        BufferedImage src = ImageIO.read(tmp.resolve("data/images/img_0000.png").toFile());
        for (String op : ALL_OPS) {
            BufferedImage out = ImageOps.apply(op, src, new java.util.SplittableRandom(1), ImageOps.params());
            assertThat(meanAbsDiff(src, out)).as(op).isGreaterThan(0.3);
        }
    }

    @Test
    void stopsPromptlyWhenCancelled() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 20, 1);
        try (Fixture f = new Fixture()) {
            f.onProgress(step -> {
                if (step == 2) {
                    f.cancellation.cancel("test");
                }
            });
            assertThatThrownBy(() -> new ClassicalAugmentationEngine().run(
                    f.context(spec("data/images", "aug", 2, List.of("hflip", "blur"), 1), tmp)))
                    .isInstanceOf(CancelledException.class);
            try (var files = Files.list(tmp.resolve("aug"))) {
                assertThat(files.filter(p -> p.toString().endsWith(".png")).count()).isEqualTo(4);
            }
        }
    }

    static double meanAbsDiff(BufferedImage a, BufferedImage b) {
        double sum = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) {
                int p = a.getRGB(x, y);
                int q = b.getRGB(x, y);
                for (int s = 0; s <= 16; s += 8) {
                    sum += Math.abs(((p >> s) & 255) - ((q >> s) & 255));
                }
            }
        }
        return sum / (a.getWidth() * a.getHeight() * 3.0);
    }
}
