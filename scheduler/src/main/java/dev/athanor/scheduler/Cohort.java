package dev.athanor.scheduler;

import java.util.Map;
import java.util.Objects;

/**
 * Quota owned by a cohort itself rather than by one of its teams (Kueue's Cohort resource groups): every member may
 * borrow it, nobody can reclaim it. Cohorts without an entry here only share what their teams lend.
 */
public record Cohort(String name, Map<String, Integer> sharedQuota) {
    public Cohort {
        Objects.requireNonNull(name, "name");
        sharedQuota = sharedQuota == null ? Map.of() : Map.copyOf(sharedQuota);
    }
}
