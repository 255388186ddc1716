package dev.athanor.worker.label;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.LabelingSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.testdouble.VlmTestDouble;
import dev.athanor.worker.util.LabelledImages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LabelingEngineTest {
    static final Map<String, String> FAST_RETRY = Map.of(LabelingEngine.BACKOFF_ENV, "10");

    @TempDir
    Path tmp;
    VlmTestDouble vlm;

    @BeforeEach
    void data() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 12, 3);
    }

    @AfterEach
    void stop() {
        if (vlm != null) {
            vlm.stop();
        }
    }

    LabelingSpec spec(String model, int maxTokens, String secret) {
        return new LabelingSpec("data/images", "out/labels.jsonl", vlm.baseUrl(), model, null, "What colour?",
                maxTokens, 0, 3, 10, secret, DemoDataset.CLASSES);
    }

    @Test
    void labelsEveryImageWithTheColourTheDoubleSees() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m")).start();
        try (Fixture f = new Fixture()) {
            EngineOutcome outcome = new LabelingEngine().run(f.context(spec("m", 64, null), tmp, FAST_RETRY));

            Map<String, String> truth = new HashMap<>();
            LabelledImages.read(tmp.resolve("data/labels.jsonl"), null)
                    .forEach(i -> truth.put(i.file().getFileName().toString(), i.label()));
            List<String> lines = Files.readAllLines(tmp.resolve("out/labels.jsonl"));
            assertThat(lines).hasSize(12);
            for (String l : lines) {
                JsonNode n = Json.lenient().readTree(l);
                assertThat(n.get("label").asText()).isEqualTo(truth.get(n.get("image").asText()));
                assertThat(n.get("raw").asText()).contains(n.get("label").asText());
                assertThat(n.get("model").asText()).isEqualTo("m");
                assertThat(n.get("usage").get("total_tokens").asInt()).isPositive();
            }
            assertThat(outcome.summary()).containsEntry("labeled", 12.0).containsEntry("errors", 0.0);
            assertThat(outcome.summary().get("tokens")).isPositive();
            assertThat(f.metric("labels_per_second")).isNotEmpty();
            assertThat(vlm.requests()).isEqualTo(12);
        }
    }

    @Test
    void sendsTheBearerKeyFromTheSecretAndFailsOnAWrongOne() throws Exception {
        vlm = new VlmTestDouble(0, "s3cret", List.of("m")).start();
        try (Fixture f = new Fixture()) {
            EngineOutcome ok = new LabelingEngine().run(f.context(spec("m", 64, "vlm-key"), tmp,
                    Map.of("ATHANOR_SECRET_VLM_KEY", "s3cret")));
            assertThat(ok.summary()).containsEntry("labeled", 12.0);

            assertThatThrownBy(() -> new LabelingEngine().run(f.context(spec("m", 64, "vlm-key"), tmp,
                    Map.of("ATHANOR_SECRET_VLM_KEY", "wrong"))))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("unauthorized (401")
                    .hasMessageContaining("Unauthorized")
                    .hasMessageNotContaining("wrong");
            assertThat(f.stderr()).doesNotContain("s3cret").doesNotContain("wrong");
        }
    }

    @Test
    void unknownModelStopsTheJobWithTheServersMessage() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m")).start();
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new LabelingEngine().run(f.context(spec("nope", 64, null), tmp, FAST_RETRY)))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("404")
                    .hasMessageContaining("The model `nope` does not exist.");
        }
    }

    @Test
    void retriesServerErrorsAndThenSucceeds() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m")).start();
        vlm.failNext(500, "{\"error\":{\"message\":\"engine hiccup\",\"type\":\"InternalServerError\",\"code\":500}}", 2);
        vlm.failNext(429, "{\"object\":\"error\",\"message\":\"slow down\",\"code\":429}", 1);
        try (Fixture f = new Fixture()) {
            EngineOutcome outcome = new LabelingEngine().run(f.context(spec("m", 64, null), tmp, FAST_RETRY));
            assertThat(outcome.summary()).containsEntry("labeled", 12.0).containsEntry("errors", 0.0);
            assertThat(vlm.requests()).isEqualTo(15);
        }
    }

    @Test
    void aBadRequestFailsThatImageWithTheMessageInEitherErrorFormat() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m")).start();
        vlm.failNext(400, "{\"object\":\"error\",\"message\":\"flat format problem\",\"type\":\"BadRequestError\",\"code\":400}", 1);
        try (Fixture f = new Fixture()) {
            EngineOutcome outcome = new LabelingEngine().run(f.context(spec("m", 64, null), tmp, FAST_RETRY));
            assertThat(outcome.summary()).containsEntry("labeled", 11.0).containsEntry("errors", 1.0);
            assertThat(Files.readString(tmp.resolve("out/labels.jsonl.errors.jsonl"))).contains("flat format problem");
            assertThat(f.metric("errors")).last().isEqualTo(1.0);
        }
    }

    @Test
    void contextLengthErrorsOnMoreThanTenPercentFailTheJob() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m"), 1024).start();
        try (Fixture f = new Fixture()) {
            assertThatThrownBy(() -> new LabelingEngine().run(f.context(spec("m", 2000, null), tmp, FAST_RETRY)))
                    .isInstanceOf(EngineException.class)
                    .hasMessageContaining("12 of 12 images failed")
                    .hasMessageContaining("maximum context length is 1024 tokens");
            assertThat(vlm.requests()).isEqualTo(12);
        }
    }

    @Test
    void parsesBothErrorBodyFormats() {
        assertThat(ChatClient.errorMessage("{\"error\":{\"message\":\"new\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}"))
                .isEqualTo("new");
        assertThat(ChatClient.errorMessage("{\"object\":\"error\",\"message\":\"old\",\"type\":\"x\",\"code\":400}"))
                .isEqualTo("old");
        assertThat(ChatClient.errorMessage("{\"error\":\"Unauthorized\"}")).isEqualTo("Unauthorized");
        assertThat(ChatClient.errorMessage("plain text")).isEqualTo("plain text");
    }

    @Test
    void picksTheEarliestAllowedLabelAsAWholeWord() {
        List<String> allowed = List.of("red", "blue", "跑步");
        assertThat(LabelPicker.pick("A BLUE car next to a red one", allowed)).isEqualTo("blue");
        assertThat(LabelPicker.pick("reddish tones", allowed)).isEqualTo("unknown");
        assertThat(LabelPicker.pick("一个人在跑步。", allowed)).isEqualTo("跑步");
        assertThat(LabelPicker.pick("  free text  ", List.of())).isEqualTo("free text");
    }

    @Test
    void cancellationStopsInFlightLabeling() throws Exception {
        vlm = new VlmTestDouble(0, null, List.of("m")).start();
        vlm.setDelayMillis(200);
        try (Fixture f = new Fixture()) {
            f.onProgress(step -> f.cancellation.cancel("test"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> new LabelingEngine().run(f.context(spec("m", 64, null), tmp, FAST_RETRY)))
                    .isInstanceOf(dev.athanor.worker.engine.CancelledException.class);
            assertThat((System.nanoTime() - start) / 1e9).isLessThan(2.0);
            assertThat(vlm.requests()).isLessThan(12);
        }
    }
}
