package dev.athanor.scheduler;

import java.util.Map;

/**
 * A team's fair-share figures (for metrics, e.g. {@code athanor_team_weighted_share}).
 * {@code dominantShare} = max over flavors of (GPUs in use / cluster GPUs of that flavor);
 * {@code historicalShare} = decayed GPU-seconds / (cluster GPUs x mean decay time), i.e. the team's recent average
 * fraction of the cluster; {@code weightedShare} = (dominantShare + usageWeight x historicalShare) / weight.
 * The scheduler serves the lowest weighted share first.
 */
public record TeamShare(String team, double weight, Map<String, Long> gpusInUse, double dominantShare,
                        double historicalShare, double weightedShare) {
    public TeamShare {
        gpusInUse = Map.copyOf(gpusInUse);
    }
}
