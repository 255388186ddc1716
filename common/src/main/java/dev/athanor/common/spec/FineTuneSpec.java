package dev.athanor.common.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.athanor.common.job.JobKind;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

import java.util.Map;

/**
 * Fine-tuning. {@code engine=llamafactory} runs {@code llamafactory-cli train} with a YAML built from these fields
 * (names follow LLaMA-Factory: model_name_or_path, dataset, template, finetuning_type, lora_rank, ...) plus
 * {@code overrides} as trailing {@code key=value} arguments, and follows {@code trainer_log.jsonl}.
 * {@code engine=builtin} trains a softmax classifier on image features of a labelled JSONL dataset inside the worker
 * (real gradient descent, real loss curve): the CPU-only path used by the demo and tests.
 */
public record FineTuneSpec(
        @Pattern(regexp = "builtin|llamafactory", message = "must be 'builtin' or 'llamafactory'") String engine,
        String baseModel,
        @NotBlank(message = "is required: a dataset name (llamafactory) or labelled JSONL file (builtin)") String dataset,
        String datasetDir,
        String template,
        @Pattern(regexp = "lora|full|freeze", message = "must be 'lora', 'full' or 'freeze'") String finetuningType,
        @Min(value = 1, message = "must be between 1 and 1024") @Max(value = 1024, message = "must be between 1 and 1024")
        int loraRank,
        @DecimalMin(value = "0.0", inclusive = false, message = "must be greater than 0") @DecimalMax(value = "10.0", message = "must be at most 10")
        double learningRate,
        @DecimalMin(value = "0.0", inclusive = false, message = "must be greater than 0") @DecimalMax(value = "10000.0", message = "must be at most 10000")
        double numTrainEpochs,
        @Min(value = 1, message = "must be between 1 and 4096") @Max(value = 4096, message = "must be between 1 and 4096")
        int perDeviceTrainBatchSize,
        @Min(value = 1, message = "must be between 1 and 4096") @Max(value = 4096, message = "must be between 1 and 4096")
        int gradientAccumulationSteps,
        @NotBlank(message = "is required: where the adapter / model is written") String outputDir,
        Map<String, String> overrides,
        boolean trustRemoteCode) implements JobSpec {

    /**
     * A spec that does not trust remote code. {@code trustRemoteCode} (default false) is the explicit per-job opt-in
     * to run a model's own Python code (LLaMA-Factory's {@code trust_remote_code}); it cannot be set by overrides.
     */
    public FineTuneSpec(String engine, String baseModel, String dataset, String datasetDir, String template,
                        String finetuningType, int loraRank, double learningRate, double numTrainEpochs,
                        int perDeviceTrainBatchSize, int gradientAccumulationSteps, String outputDir,
                        Map<String, String> overrides) {
        this(engine, baseModel, dataset, datasetDir, template, finetuningType, loraRank, learningRate, numTrainEpochs,
                perDeviceTrainBatchSize, gradientAccumulationSteps, outputDir, overrides, false);
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public FineTuneSpec {
        if (engine == null || engine.isBlank()) {
            engine = "builtin";
        }
        if (finetuningType == null || finetuningType.isBlank()) {
            finetuningType = "lora";
        }
        if (loraRank == 0) {
            loraRank = 8;
        }
        if (learningRate == 0) {
            learningRate = "builtin".equals(engine) ? 0.5 : 1.0e-4;
        }
        if (numTrainEpochs == 0) {
            numTrainEpochs = 3.0;
        }
        if (perDeviceTrainBatchSize == 0) {
            perDeviceTrainBatchSize = "builtin".equals(engine) ? 16 : 1;
        }
        if (gradientAccumulationSteps == 0) {
            gradientAccumulationSteps = "builtin".equals(engine) ? 1 : 8;
        }
        overrides = overrides == null ? Map.of() : Map.copyOf(overrides);
    }

    @Override
    @JsonIgnore
    public JobKind kind() {
        return JobKind.FINE_TUNE;
    }
}
