package dev.athanor.common.job;

/**
 * Lifecycle of a job. PENDING → ADMITTED → LAUNCHING → RUNNING → SUCCEEDED | FAILED | CANCELLED, with PREEMPTED and
 * RETRYING leading back to PENDING. The legal moves live in {@link StateMachine}.
 */
public enum JobState {
    PENDING,
    ADMITTED,
    LAUNCHING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    PREEMPTED,
    RETRYING;

    public boolean isTerminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** States in which an attempt holds (or is about to hold) resources on a launcher. */
    public boolean isActive() {
        return this == ADMITTED || this == LAUNCHING || this == RUNNING;
    }
}
