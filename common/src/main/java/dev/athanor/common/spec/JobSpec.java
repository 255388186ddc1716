package dev.athanor.common.spec;

import dev.athanor.common.job.JobKind;

/** The kind-specific part of a job. One record per {@link JobKind}; see {@link JobSpecs} for parsing. */
public sealed interface JobSpec permits AugmentationSpec, LabelingSpec, FineTuneSpec, EvaluationSpec {
    JobKind kind();
}
