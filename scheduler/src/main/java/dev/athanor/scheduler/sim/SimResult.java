package dev.athanor.scheduler.sim;

import java.util.List;
import java.util.Map;

/**
 * Figures of one policy on one workload. {@code utilization}: busy GPU-seconds / capacity GPU-seconds while under
 * backlog, i.e. while the GPUs requested by pending jobs were at least the free GPUs (there was queued work to fill
 * the cluster); {@code utilizationAnyPending}: the same while at least one job was pending (includes tails where only
 * a few big jobs wait); {@code overallUtilization}: over the whole run.
 * {@code jain}: Jain's index over teams of (GPU-seconds received / weighted max-min fair GPU-seconds) during backlog.
 * {@code admissionsPerSchedulerSecond}: admissions / seconds spent inside the policy's decide().
 * {@code goodput}: GPU-seconds of work that was kept (it completed, or was saved at a checkpoint before a preemption)
 * inside the saturated windows / capacity GPU-seconds of those windows: what users got, where {@code utilization}
 * also counts work a preemption threw away. {@code usedGpuSeconds}: every busy GPU-second of the run
 * (= kept work + {@code wastedGpuSeconds}).
 */
public record SimResult(String policy, int jobs, long admissions, long preemptions, long unschedulable, long unfinished,
                        double utilization, double utilizationAnyPending, double overallUtilization,
                        double saturatedSeconds, double backlogSeconds, double spanSeconds,
                        double jain, Map<String, Double> normalizedShares, Map<String, ClassStats> classes, long cycles,
                        double schedulerSeconds, double wallSeconds, double admissionsPerSchedulerSecond,
                        double wastedGpuSeconds, List<String> unschedulableSamples, Map<String, Long> waitsById,
                        double goodput, double usedGpuSeconds, int mostPreemptionsOfOneJob) {

    public record ClassStats(int jobs, double meanWait, double p95Wait, double meanJct, double p95Jct, long maxWait) {
    }

    /** Share of all used GPU-seconds whose work a preemption threw away. */
    public double wastedShare() {
        return usedGpuSeconds > 0 ? wastedGpuSeconds / usedGpuSeconds : 0;
    }

    public double preemptionsPerJob() {
        return jobs > 0 ? (double) preemptions / jobs : 0;
    }

    public double maxWait() {
        long m = 0;
        for (ClassStats c : classes.values()) {
            m = Math.max(m, c.maxWait());
        }
        return m;
    }

    public double p95Wait(String sizeClass) {
        ClassStats c = classes.get(sizeClass);
        return c == null ? 0 : c.p95Wait();
    }
}
