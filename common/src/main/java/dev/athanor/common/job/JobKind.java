package dev.athanor.common.job;

/** The four kinds of work Athanor runs. */
public enum JobKind {
    AUGMENTATION,
    LABELING,
    FINE_TUNE,
    EVALUATION
}
