package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobState;
import dev.athanor.common.launch.AttemptExit;

import java.time.Duration;
import java.time.Instant;

/**
 * Decides what an attempt's end means for its job: success, cancellation, a retry after backoff, or failure.
 * Pure logic, no framework.
 */
public final class ExitPolicy {

    /** Exit code of a worker that refused its job as invalid: retrying cannot help. */
    public static final int EXIT_INVALID_JOB = 2;
    /** Pseudo exit code of an attempt the launcher refused for good (e.g. the worker binary is missing). */
    public static final int EXIT_LAUNCH_REFUSED = -2;
    /**
     * Pseudo exit code of an attempt whose launch was refused for now (leadership moved, a quota, HTTP 409 or 5xx):
     * nothing ran, so it is retried after a backoff without using one of the job's attempts.
     */
    public static final int EXIT_NOT_STARTED = -3;
    /** Reason on the timeline of a transient launch refusal. */
    public static final String LAUNCH_REFUSED = "LaunchRefused";
    static final Duration MAX_BACKOFF = Duration.ofMinutes(30);

    public enum Outcome { SUCCEEDED, CANCELLED, RETRY, FAILED, REFUSED }

    /**
     * @param retryAt  when a RETRY may be dispatched again (null otherwise)
     * @param reason   the timeline reason
     * @param message  the timeline message
     */
    public record Decision(Outcome outcome, JobState finalState, Instant retryAt, String reason, String message) {
    }

    private ExitPolicy() {
    }

    public static Decision decide(AttemptExit exit, boolean cancelRequested, int attempt, int maxAttempts,
                                  int backoffSeconds, Instant now) {
        if (cancelRequested) {
            return new Decision(Outcome.CANCELLED, JobState.CANCELLED, null, "Cancelled",
                    "stopped at user request" + (exit.succeeded() ? "" : " (" + exit.message() + ")"));
        }
        if (exit.succeeded()) {
            return new Decision(Outcome.SUCCEEDED, JobState.SUCCEEDED, null, "Completed",
                    exit.message() == null || exit.message().isBlank() ? "all workers exited 0" : exit.message());
        }
        String detail = exit.message() == null ? exit.reason() : exit.message();
        if (exit.exitCode() == EXIT_NOT_STARTED) {
            return new Decision(Outcome.REFUSED, JobState.RETRYING, null, LAUNCH_REFUSED, detail
                    + " — nothing ran; the launch is retried after a backoff and does not use an attempt");
        }
        if (exit.exitCode() == EXIT_INVALID_JOB) {
            return new Decision(Outcome.FAILED, JobState.FAILED, null, "InvalidJob",
                    detail + " — the worker rejected the job; retrying cannot help");
        }
        if (exit.exitCode() == EXIT_LAUNCH_REFUSED) {
            return new Decision(Outcome.FAILED, JobState.FAILED, null, exit.reason(),
                    detail + " — the launcher refused the attempt; retrying cannot help");
        }
        if ("DeadlineExceeded".equals(exit.reason())) {
            return new Decision(Outcome.FAILED, JobState.FAILED, null, exit.reason(),
                    detail + " — the job ran past its maxRuntimeSeconds; it is not retried");
        }
        if (attempt < maxAttempts) {
            return new Decision(Outcome.RETRY, JobState.RETRYING, now.plus(backoff(backoffSeconds, attempt)),
                    exit.reason(), detail + " (attempt " + attempt + " of " + maxAttempts + ", will retry)");
        }
        return new Decision(Outcome.FAILED, JobState.FAILED, null, exit.reason(),
                detail + " (attempt " + attempt + " of " + maxAttempts + ", no attempts left)");
    }

    /** Backoff before the {@code refusals}-th transient launch refusal is retried: base × 2^(n-1), capped. */
    public static Duration refusalBackoff(Duration base, Duration max, int refusals) {
        if (base.isZero() || base.isNegative()) {
            return Duration.ZERO;
        }
        Duration d = base.multipliedBy(1L << Math.min(20, Math.max(0, refusals - 1)));
        return d.compareTo(max) > 0 ? max : d;
    }

    /** Exponential backoff: base × 2^(attempt-1), capped at 30 minutes. */
    public static Duration backoff(int baseSeconds, int attempt) {
        if (baseSeconds <= 0) {
            return Duration.ZERO;
        }
        long factor = 1L << Math.min(20, Math.max(0, attempt - 1));
        Duration d = Duration.ofSeconds(baseSeconds).multipliedBy(factor);
        return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
    }
}
