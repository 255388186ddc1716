package dev.athanor.common.launch;

import java.util.List;

/**
 * What a launcher observed when an attempt's workers stopped.
 *
 * @param succeeded true when every worker exited 0
 * @param exitCode  the first failing worker's exit code (0 on success, -1 if unknown)
 * @param reason    a short classified reason: Completed, Error, Killed, OOMKilled, DeadlineExceeded, Lost, ...
 * @param message   human-readable detail, e.g. "worker 1 exited with code 3"
 * @param lastLines the last log lines of the failing worker, for the timeline
 */
public record AttemptExit(AttemptKey key, boolean succeeded, int exitCode, String reason, String message,
                          List<String> lastLines) {
    public AttemptExit {
        lastLines = lastLines == null ? List.of() : List.copyOf(lastLines);
    }
}
