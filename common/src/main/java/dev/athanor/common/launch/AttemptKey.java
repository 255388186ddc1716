package dev.athanor.common.launch;

import java.util.Locale;
import java.util.UUID;

/** One attempt of one job: the unit a launcher starts, observes and stops. */
public record AttemptKey(UUID jobId, int attempt) {
    /** A deterministic name, e.g. {@code ath-3f2a...-a2}; the same attempt always gets the same name. */
    public String name() {
        return ("ath-" + jobId.toString().replace("-", "").substring(0, 20) + "-a" + attempt).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return jobId + "#" + attempt;
    }
}
