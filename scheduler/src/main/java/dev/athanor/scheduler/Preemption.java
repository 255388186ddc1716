package dev.athanor.scheduler;

/**
 * Evict {@code victimJobId} (the whole gang) so that {@code preemptorJobId} can start in a later cycle.
 * {@code checkpoint}: the victim is checkpointable; ask it to checkpoint before stopping.
 */
public record Preemption(String victimJobId, String victimTeam, String preemptorJobId, String preemptorTeam,
                         PreemptionReason reason, boolean checkpoint, String message) {
}
