package dev.athanor.common.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.athanor.common.job.JobKind;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * Evaluation. {@code engine=classification} scores a model produced by the builtin fine-tune engine (or a predictions
 * JSONL) against a labelled ground-truth JSONL: accuracy, macro precision/recall/F1 and a confusion matrix.
 * {@code engine=coco} scores COCO-format detections against COCO ground truth (mAP50-95, AP50, AP75).
 */
public record EvaluationSpec(
        @Pattern(regexp = "classification|coco", message = "must be 'classification' or 'coco'") String engine,
        String modelPath,
        String predictionsFile,
        @NotBlank(message = "is required: the ground-truth file") String groundTruthFile,
        String datasetDir,
        @NotBlank(message = "is required: where the evaluation report is written") String outputDir) implements JobSpec {

    public EvaluationSpec {
        if (engine == null || engine.isBlank()) {
            engine = "classification";
        }
    }

    @Override
    @JsonIgnore
    public JobKind kind() {
        return JobKind.EVALUATION;
    }
}
