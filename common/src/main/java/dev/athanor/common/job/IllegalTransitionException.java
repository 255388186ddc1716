package dev.athanor.common.job;

/** Thrown when a transition that the state machine forbids is attempted. Maps to HTTP 409. */
public class IllegalTransitionException extends RuntimeException {
    private final JobState from;
    private final JobState to;

    public IllegalTransitionException(JobState from, JobState to) {
        super(from.isTerminal()
                ? "job is already " + from + " and can no longer change (requested " + to + ")"
                : "illegal transition " + from + " → " + to);
        this.from = from;
        this.to = to;
    }

    public JobState from() {
        return from;
    }

    public JobState to() {
        return to;
    }
}
