package dev.athanor.common.job;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import static dev.athanor.common.job.JobState.*;

/** The one place that knows which state transitions are legal. Terminal states never change again. */
public final class StateMachine {

    private static final Map<JobState, Set<JobState>> ALLOWED = new EnumMap<>(JobState.class);

    static {
        allow(PENDING, ADMITTED, CANCELLED, FAILED);
        allow(ADMITTED, LAUNCHING, PENDING, CANCELLED, PREEMPTED, FAILED);
        // A fast worker can finish before the launcher observes it running; a launch can fail outright.
        allow(LAUNCHING, RUNNING, SUCCEEDED, FAILED, CANCELLED, PREEMPTED, RETRYING);
        allow(RUNNING, SUCCEEDED, FAILED, CANCELLED, PREEMPTED, RETRYING);
        allow(PREEMPTED, PENDING, CANCELLED);
        allow(RETRYING, PENDING, CANCELLED, FAILED);
        allow(SUCCEEDED);
        allow(FAILED);
        allow(CANCELLED);
    }

    private StateMachine() {
    }

    private static void allow(JobState from, JobState... to) {
        Set<JobState> set = to.length == 0 ? EnumSet.noneOf(JobState.class) : EnumSet.of(to[0], to);
        ALLOWED.put(from, Collections.unmodifiableSet(set));
    }

    public static boolean canTransition(JobState from, JobState to) {
        return ALLOWED.get(from).contains(to);
    }

    /** @throws IllegalTransitionException when {@code from → to} is not allowed. */
    public static void check(JobState from, JobState to) {
        if (!canTransition(from, to)) {
            throw new IllegalTransitionException(from, to);
        }
    }

    public static Set<JobState> next(JobState from) {
        return ALLOWED.get(from);
    }
}
