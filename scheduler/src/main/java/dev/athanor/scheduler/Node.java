package dev.athanor.scheduler;

import java.util.Objects;

/**
 * One machine as the launcher reports it: its GPU flavor, GPU count and what is actually free right now (free already
 * excludes GPUs held by running jobs and anything else the launcher knows about). CPU and memory are optional:
 * {@link #of} leaves them unlimited.
 */
public record Node(String name, String flavor, int gpus, int freeGpus, double cpu, double freeCpu,
                   long memoryBytes, long freeMemoryBytes) {

    public Node {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(flavor, "flavor");
        if (gpus < 0 || freeGpus < 0 || freeGpus > gpus) {
            throw new IllegalArgumentException("node " + name + ": need 0 <= freeGpus <= gpus, got " + freeGpus + "/" + gpus);
        }
    }

    /** A node whose CPU and memory are not tracked (never the limiting resource). */
    public static Node of(String name, String flavor, int gpus, int freeGpus) {
        return new Node(name, flavor, gpus, freeGpus, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY,
                Long.MAX_VALUE, Long.MAX_VALUE);
    }

    public Node withFreeGpus(int free) {
        return new Node(name, flavor, gpus, free, cpu, freeCpu, memoryBytes, freeMemoryBytes);
    }
}
