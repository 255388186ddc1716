package dev.athanor.common.job;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.Map;

/**
 * A job as a user submits it (REST body, CLI file). The {@code spec} stays untyped here and is parsed for its
 * {@code kind} by {@link dev.athanor.common.spec.JobSpecs}.
 */
public record JobSubmission(
        @NotBlank(message = "is required")
        @Pattern(regexp = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", message = "must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit")
        String name,
        @NotBlank(message = "is required")
        @Pattern(regexp = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", message = "must be a team name: 1-63 lowercase letters, digits or '-'")
        String team,
        @NotNull(message = "is required: one of AUGMENTATION, LABELING, FINE_TUNE, EVALUATION")
        JobKind kind,
        Priority priority,
        @Size(max = 32, message = "must hold at most 32 labels")
        Map<@Pattern(regexp = "[A-Za-z0-9._/-]{1,63}", message = "label keys must be 1-63 characters of letters, digits, '.', '_', '/' or '-'") String,
                @Size(max = 256, message = "label values must be at most 256 characters") String> labels,
        @Size(min = 1, max = 128, message = "must be 1-128 characters")
        String idempotencyKey,
        @Valid Resources resources,
        @Min(value = 1, message = "must be between 1 and 20") @Max(value = 20, message = "must be between 1 and 20")
        int maxAttempts,
        @Min(value = 0, message = "must be between 0 and 3600") @Max(value = 3600, message = "must be between 0 and 3600")
        Integer retryBackoffSeconds,
        @Min(value = 0, message = "must be between 0 (no limit) and 2592000 (30 days)") @Max(value = 2592000, message = "must be between 0 (no limit) and 2592000 (30 days)")
        long maxRuntimeSeconds,
        JsonNode spec) {

    /** Base of the exponential retry backoff when the submission names none (10 s, 20 s, 40 s, … capped). */
    public static final int DEFAULT_RETRY_BACKOFF_SECONDS = 10;

    public JobSubmission {
        if (priority == null) {
            priority = Priority.NORMAL;
        }
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        if (resources == null) {
            resources = Resources.DEFAULT;
        }
        if (maxAttempts == 0) {
            maxAttempts = 3;
        }
        if (retryBackoffSeconds == null) {
            // never 0 by default: a job whose attempts fail at once must not burn them all in seconds
            retryBackoffSeconds = DEFAULT_RETRY_BACKOFF_SECONDS;
        }
    }
}
