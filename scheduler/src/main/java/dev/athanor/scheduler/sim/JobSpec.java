package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;

/**
 * One job of a workload (immutable). Times in virtual seconds. {@code estimate} is what the user/worker reports as the
 * expected duration (the real {@code duration} is only known to the simulator).
 */
public record JobSpec(String id, int team, int workers, int gpusPerWorker, String flavor, long arrival, long duration,
                      long estimate, Priority priority, boolean checkpointable) {
    public long gpus() {
        return (long) workers * gpusPerWorker;
    }

    /** Size class used in reports: "1", "2-4" or "8+" (5 or more GPUs). */
    public String sizeClass() {
        long g = gpus();
        return g <= 1 ? "1" : g <= 4 ? "2-4" : "8+";
    }
}
