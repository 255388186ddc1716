package dev.athanor.common.spec;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.athanor.common.job.JobKind;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * Image augmentation. {@code engine=classical} runs flips, rotations, crops, colour jitter, blur and noise in the
 * worker itself; {@code engine=diffusers} runs Stable Diffusion img2img ({@code AutoPipelineForImage2Image}) through the
 * worker's Python helper with {@code prompt}, {@code negativePrompt}, {@code strength}, {@code guidanceScale} and
 * {@code numInferenceSteps}.
 */
public record AugmentationSpec(
        @NotBlank(message = "is required: a directory of input images") String inputDir,
        @NotBlank(message = "is required: where augmented images are written") String outputDir,
        @Pattern(regexp = "classical|diffusers", message = "must be 'classical' or 'diffusers'") String engine,
        @Min(value = 1, message = "must be between 1 and 1000") @Max(value = 1000, message = "must be between 1 and 1000")
        int outputsPerImage,
        @NotEmpty(message = "must name at least one operation")
        @Size(max = 16, message = "must name at most 16 operations")
        List<@Pattern(regexp = "hflip|vflip|rotate|crop|color-jitter|blur|noise|grayscale",
                message = "must be one of hflip, vflip, rotate, crop, color-jitter, blur, noise, grayscale") String> operations,
        long seed,
        String model,
        String prompt,
        String negativePrompt,
        @DecimalMin(value = "0.0", message = "must be between 0 and 1") @DecimalMax(value = "1.0", message = "must be between 0 and 1")
        double strength,
        @DecimalMin(value = "0.0", message = "must be between 0 and 100") @DecimalMax(value = "100.0", message = "must be between 0 and 100")
        double guidanceScale,
        @Min(value = 1, message = "must be between 1 and 1000") @Max(value = 1000, message = "must be between 1 and 1000")
        int numInferenceSteps) implements JobSpec {

    public AugmentationSpec {
        if (engine == null || engine.isBlank()) {
            engine = "classical";
        }
        if (outputsPerImage == 0) {
            outputsPerImage = 1;
        }
        if (operations == null || operations.isEmpty()) {
            operations = "classical".equals(engine) ? List.of("hflip", "rotate", "color-jitter") : List.of("hflip");
        } else {
            operations = List.copyOf(operations);
        }
        if (strength == 0) {
            strength = 0.55;
        }
        if (guidanceScale == 0) {
            guidanceScale = 7.0;
        }
        if (numInferenceSteps == 0) {
            numInferenceSteps = 40;
        }
    }

    @Override
    @JsonIgnore
    public JobKind kind() {
        return JobKind.AUGMENTATION;
    }
}
