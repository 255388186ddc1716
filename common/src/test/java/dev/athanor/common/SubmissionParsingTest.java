package dev.athanor.common;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.job.Priority;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.common.spec.InvalidSpecException;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.JobSpecs;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SubmissionParsingTest {
    static final Validator VALIDATOR = Validation.buildDefaultValidatorFactory().getValidator();

    static final String AUG = """
            {"name": "aug-1", "team": "vision", "kind": "AUGMENTATION",
             "resources": {"gpusPerWorker": 0, "workers": 1, "cpu": 1, "memory": "1Gi"},
             "maxAttempts": 2, "retryBackoffSeconds": 0,
             "spec": {"inputDir": "/in", "outputDir": "/out", "engine": "classical",
                      "outputsPerImage": 2, "operations": ["hflip", "rotate", "color-jitter"], "seed": 7}}
            """;

    @Test
    void validSubmissionParsesWithDefaults() throws Exception {
        JobSubmission s = Json.strict().readValue(AUG, JobSubmission.class);
        assertThat(VALIDATOR.validate(s)).isEmpty();
        assertThat(s.priority()).isEqualTo(Priority.NORMAL);
        JobSpec spec = JobSpecs.parse(s.kind(), s.spec());
        assertThat(spec).isInstanceOf(AugmentationSpec.class);
        AugmentationSpec a = (AugmentationSpec) spec;
        assertThat(a.strength()).isEqualTo(0.55);
        assertThat(a.operations()).containsExactly("hflip", "rotate", "color-jitter");
        assertThat(VALIDATOR.validate(a)).isEmpty();
    }

    @Test
    void unknownSpecFieldIsNamedWithKnownFields() throws Exception {
        JsonNode spec = Json.strict().readTree("{\"dataset\": \"d\", \"outputDir\": \"/o\", \"learning_rate\": 0.1}");
        assertThatThrownBy(() -> JobSpecs.parse(JobKind.FINE_TUNE, spec))
                .isInstanceOfSatisfying(InvalidSpecException.class, e -> {
                    assertThat(e.errors()).hasSize(1);
                    assertThat(e.errors().get(0).field()).isEqualTo("spec.learning_rate");
                    assertThat(e.errors().get(0).message()).contains("learningRate");
                });
    }

    @Test
    void wrongTypeIsNamed() throws Exception {
        JsonNode spec = Json.strict().readTree("{\"dataset\": \"d\", \"outputDir\": \"/o\", \"loraRank\": \"big\"}");
        assertThatThrownBy(() -> JobSpecs.parse(JobKind.FINE_TUNE, spec))
                .isInstanceOfSatisfying(InvalidSpecException.class,
                        e -> assertThat(e.errors().get(0).field()).isEqualTo("spec.loraRank"));
    }

    @Test
    void fineTuneDefaultsDependOnEngine() throws Exception {
        FineTuneSpec b = (FineTuneSpec) JobSpecs.parse(JobKind.FINE_TUNE,
                Json.strict().readTree("{\"dataset\": \"d\", \"outputDir\": \"/o\"}"));
        assertThat(b.engine()).isEqualTo("builtin");
        FineTuneSpec l = (FineTuneSpec) JobSpecs.parse(JobKind.FINE_TUNE,
                Json.strict().readTree("{\"engine\": \"llamafactory\", \"dataset\": \"d\", \"outputDir\": \"/o\"}"));
        assertThat(l.learningRate()).isEqualTo(1.0e-4);
        assertThat(l.gradientAccumulationSteps()).isEqualTo(8);
    }

    @Test
    void constraintViolationsCarryFieldPaths() throws Exception {
        JobSubmission s = Json.strict().readValue(AUG.replace("\"gpusPerWorker\": 0", "\"gpusPerWorker\": 99")
                .replace("aug-1", "Bad Name"), JobSubmission.class);
        assertThat(VALIDATOR.validate(s)).extracting(v -> v.getPropertyPath().toString())
                .containsExactlyInAnyOrder("name", "resources.gpusPerWorker");
    }
}
