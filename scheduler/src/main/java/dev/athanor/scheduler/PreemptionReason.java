package dev.athanor.scheduler;

/** Why a running job is evicted. */
public enum PreemptionReason {
    /** The preemptor's team is below its nominal quota and takes back GPUs the victim's team borrowed. */
    RECLAIM,
    /** A higher-priority job of the same team needs the GPUs. */
    PRIORITY
}
