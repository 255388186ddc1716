package dev.athanor.cli.submit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.ExitCodes;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.common.spec.FineTuneSpec;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

public class SubmissionReaderTest {

    public static Path resource(String name) {
        try {
            return Path.of(SubmissionReaderTest.class.getResource("/jobs/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> problems(String file, List<String> sets) {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> SubmissionReader.load(resource(file), sets));
        assertThat(e).as("expected %s to be invalid", file).isNotNull();
        assertThat(e.exitCode()).isEqualTo(ExitCodes.INVALID);
        return e.lines();
    }

    @Test
    void everyExampleFileIsValid() {
        for (String f : List.of("augment.yaml", "label.json", "finetune.yaml", "pipeline.yaml")) {
            assertThat(SubmissionReader.load(resource(f), List.of())).as(f).isNotEmpty();
        }
    }

    @Test
    void typedSpecGetsItsDefaultsWhenPrimitiveFieldsAreLeftOut() {
        List<SubmissionReader.Checked> jobs = SubmissionReader.load(resource("pipeline.yaml"), List.of());
        assertThat(jobs).hasSize(3);
        AugmentationSpec aug = (AugmentationSpec) jobs.get(0).valid().spec();
        assertThat(aug.outputsPerImage()).isEqualTo(1);
        assertThat(aug.strength()).isEqualTo(0.55);
        FineTuneSpec ft = (FineTuneSpec) jobs.get(1).valid().spec();
        assertThat(ft.engine()).isEqualTo("builtin");
        assertThat(ft.numTrainEpochs()).isEqualTo(5.0);
        assertThat(jobs.get(2).valid().submission().kind()).isEqualTo(JobKind.EVALUATION);
        assertThat(jobs).extracting(c -> c.document().line()).containsExactly(2, 10, 18);
    }

    @Test
    void unknownSpecFieldIsNamedWithItsLineAndTheKnownFields() {
        List<String> lines = problems("invalid-unknown-field.yaml", List.of());
        assertThat(lines.get(0)).contains("invalid-unknown-field.yaml: invalid job submission: 1 problem; nothing was submitted");
        assertThat(lines.get(1)).endsWith("invalid-unknown-field.yaml:7: spec.strenght: unknown field for kind AUGMENTATION; "
                + "known fields: engine, guidanceScale, inputDir, model, negativePrompt, numInferenceSteps, operations, "
                + "outputDir, outputsPerImage, prompt, seed, strength");
    }

    @Test
    void everyWrongTypeIsReportedNotOnlyTheFirst() {
        List<String> lines = problems("invalid-wrong-type.yaml", List.of());
        assertThat(lines).hasSize(5);
        assertThat(lines.subList(1, 5)).satisfiesExactly(
                l -> assertThat(l).endsWith(":4: maxAttempts: cannot read 'three' as integer"),
                l -> assertThat(l).endsWith(":6: resources.gpusPerWorker: cannot read 'two' as integer"),
                l -> assertThat(l).endsWith(":10: spec.outputsPerImage: cannot read 'many' as integer"),
                l -> assertThat(l).endsWith(":11: spec.strength: must be between 0 and 1"));
    }

    @Test
    void missingRequiredFieldsPointAtTheDocumentOrTheirParent() {
        List<String> lines = problems("invalid-missing.yaml", List.of());
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith("invalid-missing.yaml:1: name: is required"))
                .anySatisfy(l -> assertThat(l).endsWith(":1: team: must be a team name: 1-63 lowercase letters, digits or '-'"))
                .anySatisfy(l -> assertThat(l).endsWith(":3: spec.model: is required: the served model name"))
                .anySatisfy(l -> assertThat(l).endsWith(":3: spec.outputFile: is required: the JSONL file labels are written to"))
                .anySatisfy(l -> assertThat(l).endsWith(":5: spec.endpoint: must be an http(s) URL"));
    }

    @Test
    void badYamlSyntaxNamesLineAndColumn() {
        List<String> lines = problems("invalid-syntax.yaml", List.of());
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("error: ").contains("invalid-syntax.yaml:6:13: invalid YAML: mapping values are not allowed here");
    }

    @Test
    void badJsonSyntaxNamesTheLine() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> JobFileReader.read("job.json",
                "{\n  \"name\": \"a\",\n  \"team\": \"b\"\n  \"kind\": \"LABELING\"\n}", JobFileReader.Format.JSON));
        assertThat(e.lines().get(0)).startsWith("error: job.json:4:").contains("invalid JSON: Unexpected character");
    }

    @Test
    void duplicateKeysAreRejected() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> JobFileReader.read("j.yaml",
                "name: a\nname: b\n", JobFileReader.Format.YAML));
        assertThat(e.lines().get(0)).contains("j.yaml:2").contains("Duplicate field 'name'");
    }

    @Test
    void wrongKindListsTheKinds() {
        List<JobDocument> docs = JobFileReader.read("k.yaml", "name: a\nteam: b\nkind: TRAIN\nspec: {}\n", JobFileReader.Format.YAML);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> SubmissionReader.check(docs, List.of()));
        assertThat(e.lines()).containsExactly(
                "error: k.yaml: invalid job submission: 1 problem; nothing was submitted",
                "  k.yaml:3: kind: cannot read 'TRAIN' as one of AUGMENTATION, LABELING, FINE_TUNE, EVALUATION");
    }

    @Test
    void multiDocumentErrorsSayHowManyJobsAreBad() {
        String yaml = "name: ok\nteam: t\nkind: EVALUATION\nspec: {groundTruthFile: /g, outputDir: /o}\n---\n"
                + "name: Bad_Name\nteam: t\nkind: EVALUATION\nspec: {groundTruthFile: /g, outputDir: /o, engine: yolo}\n";
        List<JobDocument> docs = JobFileReader.read("p.yaml", yaml, JobFileReader.Format.YAML);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> SubmissionReader.check(docs, List.of()));
        assertThat(e.lines()).containsExactly(
                "error: p.yaml: invalid job submission: 2 problems in 1 of 2 jobs; nothing was submitted",
                "  p.yaml:6: name: must be 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit",
                "  p.yaml:9: spec.engine: must be 'classification' or 'coco'");
    }

    @Test
    void listElementAndLabelConstraintsHaveCleanPaths() {
        String yaml = "name: a\nteam: t\nkind: AUGMENTATION\nlabels:\n  'bad key!': x\n"
                + "spec:\n  inputDir: /i\n  outputDir: /o\n  operations: [hflip, sharpen]\n";
        List<JobDocument> docs = JobFileReader.read("l.yaml", yaml, JobFileReader.Format.YAML);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> SubmissionReader.check(docs, List.of()));
        assertThat(e.lines()).contains(
                "  l.yaml:5: labels.bad key!: label keys must be 1-63 characters of letters, digits, '.', '_', '/' or '-'",
                "  l.yaml:9: spec.operations[1]: must be one of hflip, vflip, rotate, crop, color-jitter, blur, noise, grayscale");
    }

    @Test
    void setOverridesEveryDocumentBeforeValidation() {
        List<SubmissionReader.Checked> jobs = SubmissionReader.load(resource("pipeline.yaml"),
                List.of("team=research", "labels.app.kubernetes.io/name=demo", "resources.gpusPerWorker=2", "priority=HIGH"));
        assertThat(jobs).allSatisfy(c -> {
            assertThat(c.valid().submission().team()).isEqualTo("research");
            assertThat(c.valid().submission().labels()).containsEntry("app.kubernetes.io/name", "demo");
            assertThat(c.valid().submission().resources().gpusPerWorker()).isEqualTo(2);
            JsonNode tree = c.document().tree();
            assertThat(tree.path("resources").path("gpusPerWorker").isInt()).isTrue();
        });
        List<String> lines = problems("augment.yaml", List.of("spec.strength=1.5", "spec.operations=[hflip, warp]"));
        assertThat(lines).anySatisfy(l -> assertThat(l).endsWith(":23: spec.strength: must be between 0 and 1"))
                .anySatisfy(l -> assertThat(l).contains("spec.operations[1]: must be one of"));
    }

    @Test
    void setValueParsing() {
        assertThat(Overrides.value("2").isInt()).isTrue();
        assertThat(Overrides.value("0.6").isDouble()).isTrue();
        assertThat(Overrides.value("true").isBoolean()).isTrue();
        assertThat(Overrides.value("007").asText()).isEqualTo("007");
        assertThat(Overrides.value("\"42\"").isTextual()).isTrue();
        assertThat(Overrides.value("a man is running, 4k").asText()).isEqualTo("a man is running, 4k");
        assertThat(Overrides.value("[hflip, blur]").size()).isEqualTo(2);
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> Overrides.parse("strength"));
        assertThat(e.lines().get(0)).contains("expected key=value");
    }

    @Test
    void jsonArrayAndFormatDetection() {
        assertThat(JobFileReader.formatOf("job", "  {\"a\":1}")).isEqualTo(JobFileReader.Format.JSON);
        assertThat(JobFileReader.formatOf("job.txt", "name: a")).isEqualTo(JobFileReader.Format.YAML);
        List<JobDocument> docs = JobFileReader.read("jobs.json", "[\n {\"name\": \"a\"},\n {\"name\": \"b\",\n  \"team\": \"t\"}\n]",
                JobFileReader.Format.JSON);
        assertThat(docs).hasSize(2);
        assertThat(docs.get(1).lineOf("team")).isEqualTo(4);
        assertThat(docs.get(1).where("kind")).isEqualTo("jobs.json:3");
    }

    @Test
    void emptyOrScalarFilesAreRejected() {
        InvalidInputException e = catchThrowableOfType(InvalidInputException.class, () -> JobFileReader.read("e.yaml", "# nothing\n", JobFileReader.Format.YAML));
        assertThat(e.lines().get(0)).contains("e.yaml: holds no job");
        List<JobDocument> docs = JobFileReader.read("s.yaml", "just a string\n", JobFileReader.Format.YAML);
        InvalidInputException e2 = catchThrowableOfType(InvalidInputException.class, () -> SubmissionReader.check(docs, List.of()));
        assertThat(e2.lines().get(1)).contains("(document): must be a mapping");
    }
}
