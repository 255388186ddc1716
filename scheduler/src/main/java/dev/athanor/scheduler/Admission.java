package dev.athanor.scheduler;

import java.util.List;

/** Start {@code jobId} now on {@code flavor}: worker i goes to {@code workerNodes.get(i)}. */
public record Admission(String jobId, String team, String flavor, List<String> workerNodes, boolean borrowing) {
    public Admission {
        workerNodes = List.copyOf(workerNodes);
    }
}
