package dev.athanor.common.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.athanor.common.job.JobKind;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import java.util.List;

/**
 * Labels every image in {@code inputDir} with a VLM served behind an OpenAI-compatible {@code /v1/chat/completions}
 * endpoint (vLLM). Images are sent as base64 data URLs. The API key is never part of the spec: {@code apiKeySecret}
 * names a secret of the job's team the launcher injects as {@code ATHANOR_SECRET_<NAME>} (or a Kubernetes secretKeyRef).
 */
public record LabelingSpec(
        @NotBlank(message = "is required: a directory of images to label") String inputDir,
        @NotBlank(message = "is required: the JSONL file labels are written to") String outputFile,
        @NotBlank(message = "is required: the OpenAI-compatible base URL, e.g. http://vllm:8000/v1")
        @Pattern(regexp = "https?://.+", message = "must be an http(s) URL") String endpoint,
        @NotBlank(message = "is required: the served model name") String model,
        String systemPrompt,
        String userPrompt,
        @Min(value = 1, message = "must be between 1 and 32768") @Max(value = 32768, message = "must be between 1 and 32768")
        int maxTokens,
        @DecimalMin(value = "0.0", message = "must be between 0 and 2") @DecimalMax(value = "2.0", message = "must be between 0 and 2")
        double temperature,
        @Min(value = 1, message = "must be between 1 and 256") @Max(value = 256, message = "must be between 1 and 256")
        int concurrency,
        @Min(value = 1, message = "must be between 1 and 3600") @Max(value = 3600, message = "must be between 1 and 3600")
        int requestTimeoutSeconds,
        @Pattern(regexp = "[A-Za-z0-9_.-]{1,63}", message = "must be a secret name (letters, digits, _ . -)") String apiKeySecret,
        List<String> allowedLabels) implements JobSpec {

    public static final String DEFAULT_SYSTEM_PROMPT = "你是一个图片分析专家，根据图片描述发生的行为。";

    public LabelingSpec {
        if (systemPrompt == null || systemPrompt.isBlank()) {
            systemPrompt = DEFAULT_SYSTEM_PROMPT;
        }
        if (userPrompt == null || userPrompt.isBlank()) {
            userPrompt = "Describe what happens in this image.";
        }
        if (maxTokens == 0) {
            maxTokens = 256;
        }
        if (concurrency == 0) {
            concurrency = 4;
        }
        if (requestTimeoutSeconds == 0) {
            requestTimeoutSeconds = 120;
        }
        allowedLabels = allowedLabels == null ? List.of() : List.copyOf(allowedLabels);
    }

    @Override
    @JsonIgnore
    public JobKind kind() {
        return JobKind.LABELING;
    }

    @Override
    @JsonIgnore
    public List<SecretRef> secretRefs() {
        return apiKeySecret == null || apiKeySecret.isBlank() ? List.of()
                : List.of(new SecretRef("spec.apiKeySecret", apiKeySecret));
    }
}
