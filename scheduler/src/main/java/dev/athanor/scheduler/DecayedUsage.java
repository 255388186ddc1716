package dev.athanor.scheduler;

import java.time.Duration;
import java.time.Instant;

/**
 * Historical usage in GPU-seconds that decays exponentially with a half-life (Slurm's fair-share decay, Kueue's
 * admission fair sharing). Immutable; the control plane keeps one per team and calls {@link #accrue} every cycle.
 * A team that uses {@code r} GPUs forever converges to {@code r * halfLife / ln 2} GPU-seconds.
 */
public record DecayedUsage(double gpuSeconds, Instant asOf) {

    public static final DecayedUsage ZERO = new DecayedUsage(0, Instant.EPOCH);

    public DecayedUsage {
        asOf = asOf == null ? Instant.EPOCH : asOf;
        if (gpuSeconds < 0 || Double.isNaN(gpuSeconds)) {
            throw new IllegalArgumentException("gpuSeconds must be >= 0");
        }
    }

    static double lambda(Duration halfLife) {
        return Math.log(2) / Math.max(1e-9, halfLife.toMillis() / 1000.0);
    }

    /** The value decayed to {@code t} (no change if {@code t} is not after {@link #asOf}). */
    public double valueAt(Instant t, Duration halfLife) {
        double dt = (t.toEpochMilli() - asOf.toEpochMilli()) / 1000.0;
        if (dt <= 0 || gpuSeconds == 0) {
            return gpuSeconds;
        }
        return gpuSeconds * Math.exp(-lambda(halfLife) * dt);
    }

    /** Decays to {@code to} while {@code gpusInUse} GPUs were used continuously since {@link #asOf} (exact integral). */
    public DecayedUsage accrue(double gpusInUse, Instant to, Duration halfLife) {
        double dt = (to.toEpochMilli() - asOf.toEpochMilli()) / 1000.0;
        if (dt <= 0) {
            return this;
        }
        double l = lambda(halfLife);
        double decay = Math.exp(-l * dt);
        return new DecayedUsage(gpuSeconds * decay + gpusInUse * (1 - decay) / l, to);
    }
}
