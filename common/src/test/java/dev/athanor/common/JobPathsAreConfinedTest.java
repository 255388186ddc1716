package dev.athanor.common;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.common.spec.PathPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, defect 4: job paths reached anywhere (a LABELING job with {@code outputFile: ../../../admin-token}
 * overwrote the admin token). Every path a spec names is now confined: no NUL, no {@code ..}, nothing inside the
 * control plane's home but its data folders, and only the configured roots (per team) when roots are set.
 */
class JobPathsAreConfinedTest {
    static final PathPolicy OPEN = PathPolicy.protectingHome("/srv/athanor", List.of(), List.of());
    static final PathPolicy ROOTS = PathPolicy.protectingHome("/srv/athanor", List.of("/data/datasets"),
            List.of("/data/outputs/{team}"));

    static JobSpec labeling(String in, String out) throws Exception {
        JsonNode spec = Json.strict().readTree("""
                {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://vlm:8000/v1", "model": "qwen"}"""
                .formatted(in, out));
        return JobSpecs.parse(JobKind.LABELING, spec);
    }

    @Test
    void theAdminTokenAttackIsRefusedNamingTheField() throws Exception {
        List<FieldError> e = OPEN.check(labeling("images", "../../../admin-token"), "vision");
        assertThat(e).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("spec.outputFile");
            assertThat(f.message()).contains("'..'");
        });
        assertThat(OPEN.check(labeling("images", "/srv/athanor/admin-token"), "vision"))
                .extracting(FieldError::field).containsExactly("spec.outputFile");
        assertThat(OPEN.check(labeling("/srv/athanor/work/other-job-a1/worker-0", "out.jsonl"), "vision"))
                .extracting(FieldError::field).containsExactly("spec.inputDir");
        assertThat(OPEN.check(labeling("/srv/athanor/secrets", "/srv/athanor/../athanor/x"), "vision"))
                .extracting(FieldError::field).containsExactly("spec.inputDir", "spec.outputFile");
    }

    @Test
    void nulAndControlCharactersAreRefused() {
        assertThat(OPEN.problem("out\u0000.jsonl", true, "t")).contains("NUL");
        assertThat(OPEN.problem("out\n.jsonl", true, "t")).contains("control");
    }

    @Test
    void relativePathsDataFoldersAndOrdinaryAbsolutePathsPassWhenNoRootsAreSet() throws Exception {
        assertThat(OPEN.check(labeling("images", "labels/out.jsonl"), "vision")).isEmpty();
        assertThat(OPEN.check(labeling("/srv/athanor/datasets/cats", "/srv/athanor/outputs/vision/l.jsonl"), "vision"))
                .isEmpty();
        assertThat(OPEN.check(labeling("/mnt/shared/images", "/tmp/out.jsonl"), "vision")).isEmpty();
    }

    @Test
    void configuredRootsConfineReadsAndWritesPerTeam() throws Exception {
        assertThat(ROOTS.check(labeling("/data/datasets/cats", "/data/outputs/vision/l.jsonl"), "vision")).isEmpty();
        // reading another team's outputs is allowed only where reads are: not another team's write root
        List<FieldError> e = ROOTS.check(labeling("/data/outputs/nlp/secret-labels", "/data/outputs/nlp/x.jsonl"), "vision");
        assertThat(e).extracting(FieldError::field).containsExactly("spec.inputDir", "spec.outputFile");
        assertThat(e.get(1).message()).contains("/data/outputs/vision");
        // writing into the read-only datasets root is refused
        assertThat(ROOTS.check(labeling("/data/datasets/cats", "/data/datasets/cats/l.jsonl"), "vision"))
                .extracting(FieldError::field).containsExactly("spec.outputFile");
    }

    @Test
    void everyKindDeclaresItsPaths() throws Exception {
        JobSpec ft = JobSpecs.parse(JobKind.FINE_TUNE, Json.strict().readTree("""
                {"engine": "llamafactory", "dataset": "alpaca", "outputDir": "out",
                 "overrides": {"output_dir": "/srv/athanor/admin-token", "deepspeed": "ds.json"}}"""));
        assertThat(OPEN.check(ft, "t")).extracting(FieldError::field).containsExactly("spec.overrides.output_dir");
        JobSpec ev = JobSpecs.parse(JobKind.EVALUATION, Json.strict().readTree("""
                {"groundTruthFile": "../gt.jsonl", "outputDir": "/srv/athanor/logs"}"""));
        assertThat(OPEN.check(ev, "t")).extracting(FieldError::field)
                .containsExactly("spec.groundTruthFile", "spec.outputDir");
    }
}
