package dev.athanor.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * A team (Kueue: ClusterQueue). {@code cohort} names the group of teams that share unused quota (null: the team shares
 * with nobody). {@code weight} scales its fair share (2.0 = entitled to twice the share of a weight-1 team).
 * {@code usage} is its decayed historical GPU usage, maintained by the caller with {@link DecayedUsage}.
 * Flavors missing from {@code quotas} have nominal 0 and no borrowing.
 */
public record Team(String name, String cohort, double weight, Map<String, FlavorQuota> quotas, DecayedUsage usage) {

    public Team {
        Objects.requireNonNull(name, "name");
        if (!(weight > 0)) {
            throw new IllegalArgumentException("team " + name + ": weight must be > 0");
        }
        quotas = quotas == null ? Map.of() : Map.copyOf(quotas);
        usage = usage == null ? DecayedUsage.ZERO : usage;
    }

    public static Team of(String name, String cohort, double weight, Map<String, FlavorQuota> quotas) {
        return new Team(name, cohort, weight, quotas, DecayedUsage.ZERO);
    }

    public FlavorQuota quota(String flavor) {
        FlavorQuota q = quotas.get(flavor);
        return q == null ? new FlavorQuota(0, 0, 0) : q;
    }

    public Team withUsage(DecayedUsage u) {
        return new Team(name, cohort, weight, quotas, u);
    }
}
