package dev.athanor.worker.engine;

import java.nio.file.Path;
import java.util.Map;

/** How engines report. The worker turns these calls into PROGRESS, METRICS, ARTIFACT and LOG events. */
public interface Reporter {

    /**
     * @param step       units done
     * @param total      units in all, 0 if unknown
     * @param etaSeconds seconds left, -1 if unknown
     * @param phase      e.g. "augmenting", "training"
     */
    void progress(long step, long total, double etaSeconds, String phase);

    void metrics(long step, Map<String, Double> values);

    /**
     * Reports an output file (size and sha256 are computed here).
     *
     * @param name a stable name, usually the path relative to the output directory
     * @param kind e.g. "image", "model", "labels", "report"
     */
    void artifact(Path file, String name, String kind);

    /** A log line of the worker itself. */
    void log(String line);

    /** A line a child tool printed on {@code stream} ("stdout" or "stderr"). */
    void output(String stream, String line);

    /** Estimates seconds left from the rate so far; -1 when nothing is done yet. */
    static double eta(long startNanos, long done, long total) {
        if (done <= 0 || total <= 0) {
            return -1;
        }
        double elapsed = (System.nanoTime() - startNanos) / 1e9;
        return Math.max(0, elapsed / done * (total - done));
    }
}
