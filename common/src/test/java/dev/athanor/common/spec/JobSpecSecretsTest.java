package dev.athanor.common.spec;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.json.Json;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobSpecSecretsTest {

    static JobSpec parse(JobKind kind, String json) throws Exception {
        return JobSpecs.parse(kind, Json.strict().readTree(json));
    }

    @Test
    void labelingDeclaresItsApiKeySecretWithTheFieldPath() throws Exception {
        JobSpec s = parse(JobKind.LABELING, """
                {"inputDir": "in", "outputFile": "out.jsonl", "endpoint": "http://vllm:8000/v1", "model": "m",
                 "apiKeySecret": "vlm-key"}""");
        assertThat(s.secretRefs()).containsExactly(new SecretRef("spec.apiKeySecret", "vlm-key"));
        assertThat(s.secretNames()).containsExactly("vlm-key");
    }

    @Test
    void absentOrBlankSecretFieldsNameNothing() throws Exception {
        JobSpec none = parse(JobKind.LABELING, """
                {"inputDir": "in", "outputFile": "out.jsonl", "endpoint": "http://vllm:8000/v1", "model": "m"}""");
        JobSpec blank = parse(JobKind.LABELING, """
                {"inputDir": "in", "outputFile": "out.jsonl", "endpoint": "http://vllm:8000/v1", "model": "m",
                 "apiKeySecret": "  "}""");
        assertThat(none.secretNames()).isEmpty();
        assertThat(blank.secretRefs()).isEmpty();
    }

    @Test
    void kindsWithoutSecretFieldsNameNone() throws Exception {
        assertThat(parse(JobKind.AUGMENTATION, "{\"inputDir\": \"/in\", \"outputDir\": \"/out\"}").secretNames())
                .isEmpty();
        assertThat(parse(JobKind.FINE_TUNE, "{\"dataset\": \"d\", \"outputDir\": \"/o\"}").secretNames()).isEmpty();
    }

    @Test
    void secretDeclarationsAreNotPartOfTheSpecJson() throws Exception {
        JobSpec s = parse(JobKind.LABELING, """
                {"inputDir": "in", "outputFile": "out.jsonl", "endpoint": "http://vllm:8000/v1", "model": "m",
                 "apiKeySecret": "vlm-key"}""");
        JsonNode back = Json.strict().valueToTree(s);
        assertThat(back.has("secretRefs")).isFalse();
        assertThat(back.has("secretNames")).isFalse();
        assertThat(back.get("apiKeySecret").asText()).isEqualTo("vlm-key");
    }
}
