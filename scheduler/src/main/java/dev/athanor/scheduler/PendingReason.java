package dev.athanor.scheduler;

/** Why a job is still pending after a cycle. */
public enum PendingReason {
    /** The team's quota (nominal + borrowing, or what the cohort can lend) is used up. */
    QUOTA,
    /** Not enough free GPUs of the flavor in the cluster. */
    CAPACITY,
    /** Jobs of a higher priority class took the GPUs (or it waits for lower-priority victims to stop). */
    PRIORITY,
    /** Enough free GPUs in total, but no set of nodes where every worker fits on one node (fragmentation). */
    GANG,
    /** The GPUs went to teams with a lower weighted share this cycle. */
    FAIRNESS,
    /** The free GPUs are reserved for a job that has waited longer than the reservation bound. */
    RESERVATION,
    /** It can never run as specified: no node or quota could ever hold it. */
    UNSCHEDULABLE
}
