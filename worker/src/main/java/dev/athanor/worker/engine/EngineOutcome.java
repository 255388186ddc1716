package dev.athanor.worker.engine;

import java.util.Map;

/** A successful run: a one-line message and the headline numbers for the RESULT event. */
public record EngineOutcome(String message, Map<String, Double> summary) {
    public EngineOutcome {
        summary = summary == null ? Map.of() : Map.copyOf(summary);
    }
}
