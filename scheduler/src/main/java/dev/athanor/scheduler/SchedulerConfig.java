package dev.athanor.scheduler;

import java.time.Duration;

/**
 * Tunables.
 * <ul>
 *   <li>{@code usageHalfLife}: half-life of the decayed historical usage (Slurm default 7 days).</li>
 *   <li>{@code usageWeight}: weight of the historical-usage term in the fair-share score (0 = instantaneous only).</li>
 *   <li>{@code reservationAfter}: a job that waited this long and still does not fit gets nodes reserved.</li>
 *   <li>{@code maxReservationsPerFlavor}: how many such reservations may exist per flavor at once.</li>
 *   <li>{@code minRuntime}: a running job cannot be preempted before it ran this long.</li>
 *   <li>{@code preemption}: enable reclaim and in-team priority preemption.</li>
 *   <li>{@code maxPreemptorsPerCycle}: bound on preemption searches per cycle.</li>
 *   <li>{@code maxAdmissionsPerCycle}: cap on admissions per cycle (the rest wait for the next cycle).</li>
 *   <li>{@code estimateStarts}: compute estimated start times (cheap, O(n log n)).</li>
 *   <li>{@code reclaimAfter}: a team below its nominal quota reclaims borrowed GPUs by preemption only for a job that
 *   has waited this long (before that, fair-share admission order hands it the GPUs that free).</li>
 *   <li>{@code maxPreemptionsPerJob}: a job already preempted this often is never chosen as a victim again.</li>
 *   <li>{@code gainOverLoss}: a victim is stopped only when the GPU time it would still hold
 *   (expected end - now) is at least this many times the work a stop throws away (now - last checkpoint, or start);
 *   a victim that reports no end counts as holding its GPUs for ever.</li>
 * </ul>
 */
public record SchedulerConfig(Duration usageHalfLife, double usageWeight, Duration reservationAfter,
                              int maxReservationsPerFlavor, Duration minRuntime, boolean preemption,
                              int maxPreemptorsPerCycle, int maxAdmissionsPerCycle, boolean estimateStarts,
                              Duration reclaimAfter, int maxPreemptionsPerJob, double gainOverLoss) {

    public SchedulerConfig {
        if (usageHalfLife.isNegative() || usageHalfLife.isZero()) {
            throw new IllegalArgumentException("usageHalfLife must be > 0");
        }
        if (usageWeight < 0 || maxReservationsPerFlavor < 0 || maxPreemptorsPerCycle < 0 || maxAdmissionsPerCycle < 1
                || reclaimAfter.isNegative() || maxPreemptionsPerJob < 0 || !(gainOverLoss >= 0)) {
            throw new IllegalArgumentException("invalid scheduler config");
        }
    }

    public static SchedulerConfig defaults() {
        return new SchedulerConfig(Duration.ofDays(7), 0.5, Duration.ofMinutes(30), 2, Duration.ofMinutes(10), true,
                32, 50_000, true, Duration.ofMinutes(30), 1, 4.0);
    }

    public SchedulerConfig withUsageHalfLife(Duration d) {
        return new SchedulerConfig(d, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime, preemption,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withUsageWeight(double w) {
        return new SchedulerConfig(usageHalfLife, w, reservationAfter, maxReservationsPerFlavor, minRuntime, preemption,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withReservationAfter(Duration d) {
        return new SchedulerConfig(usageHalfLife, usageWeight, d, maxReservationsPerFlavor, minRuntime, preemption,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withMaxReservationsPerFlavor(int n) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, n, minRuntime, preemption,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withMinRuntime(Duration d) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, d, preemption,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withPreemption(boolean p) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime, p,
                maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withMaxAdmissionsPerCycle(int n) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime,
                preemption, maxPreemptorsPerCycle, n, estimateStarts,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withEstimateStarts(boolean e) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime,
                preemption, maxPreemptorsPerCycle, maxAdmissionsPerCycle, e,
                reclaimAfter, maxPreemptionsPerJob, gainOverLoss);
    }

    public SchedulerConfig withReclaimAfter(Duration d) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime,
                preemption, maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts, d, maxPreemptionsPerJob,
                gainOverLoss);
    }

    public SchedulerConfig withMaxPreemptionsPerJob(int n) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime,
                preemption, maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts, reclaimAfter, n, gainOverLoss);
    }

    public SchedulerConfig withGainOverLoss(double g) {
        return new SchedulerConfig(usageHalfLife, usageWeight, reservationAfter, maxReservationsPerFlavor, minRuntime,
                preemption, maxPreemptorsPerCycle, maxAdmissionsPerCycle, estimateStarts, reclaimAfter,
                maxPreemptionsPerJob, g);
    }
}
