package dev.athanor.common.spec;

import dev.athanor.common.job.JobKind;

import java.util.List;

/** The kind-specific part of a job. One record per {@link JobKind}; see {@link JobSpecs} for parsing. */
public sealed interface JobSpec permits AugmentationSpec, LabelingSpec, FineTuneSpec, EvaluationSpec {
    JobKind kind();

    /**
     * Every field of this spec that names a secret, with the name it holds (blank fields left out). This is the one
     * place a spec declares its secrets: submission checks each against the job's team, the dispatcher passes them to
     * the launcher. A spec with a new secret field overrides this.
     */
    default List<SecretRef> secretRefs() {
        return List.of();
    }

    /** The distinct secret names {@link #secretRefs()} holds, in field order. */
    default List<String> secretNames() {
        return secretRefs().stream().map(SecretRef::name).distinct().toList();
    }
}
