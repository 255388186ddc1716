package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;

/**
 * One job of a workload (immutable). Times in virtual seconds. {@code estimate} is what the user/worker reports as the
 * expected duration (the real {@code duration} is only known to the simulator). {@code checkpointSeconds}: the job
 * saves its state every that many seconds of running (0 = never, e.g. a labeling pass; a fine-tune's
 * {@code save_steps}); a preempted job keeps the work up to its last checkpoint and loses the rest.
 */
public record JobSpec(String id, int team, int workers, int gpusPerWorker, String flavor, long arrival, long duration,
                      long estimate, Priority priority, long checkpointSeconds) {

    public JobSpec {
        if (checkpointSeconds < 0) {
            throw new IllegalArgumentException("checkpointSeconds must be >= 0: " + checkpointSeconds);
        }
    }

    public long gpus() {
        return (long) workers * gpusPerWorker;
    }

    public boolean checkpointable() {
        return checkpointSeconds > 0;
    }

    /** Seconds of work a preemption after {@code ranSeconds} of running keeps: the work up to the last checkpoint. */
    public long keptProgress(long ranSeconds) {
        return checkpointable() ? ranSeconds - ranSeconds % checkpointSeconds : 0;
    }

    public JobSpec withFlavor(String newFlavor) {
        return new JobSpec(id, team, workers, gpusPerWorker, newFlavor, arrival, duration, estimate, priority,
                checkpointSeconds);
    }

    public JobSpec withShape(int newWorkers, int newGpusPerWorker) {
        return new JobSpec(id, team, newWorkers, newGpusPerWorker, flavor, arrival, duration, estimate, priority,
                checkpointSeconds);
    }

    public JobSpec withTimes(long newArrival, long newDuration, long newEstimate) {
        return new JobSpec(id, team, workers, gpusPerWorker, flavor, newArrival, newDuration, newEstimate, priority,
                checkpointSeconds);
    }

    public JobSpec withTeam(int newTeam) {
        return new JobSpec(id, newTeam, workers, gpusPerWorker, flavor, arrival, duration, estimate, priority,
                checkpointSeconds);
    }

    /** Size class used in reports: "1", "2-4" or "8+" (5 or more GPUs). */
    public String sizeClass() {
        long g = gpus();
        return g <= 1 ? "1" : g <= 4 ? "2-4" : "8+";
    }
}
