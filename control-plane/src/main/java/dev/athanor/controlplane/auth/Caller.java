package dev.athanor.controlplane.auth;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who sent a request: a subject (user or service account), whether it is a cluster admin, and its role in each team.
 * Pure value; {@link Access} resolves it per request.
 */
public record Caller(String subject, boolean clusterAdmin, Map<String, Role> teams) {

    public Caller {
        Objects.requireNonNull(subject, "subject");
        teams = teams == null ? Map.of() : Map.copyOf(teams);
    }

    /** Whether the caller holds at least {@code min} in {@code team} (cluster admins hold every role everywhere). */
    public boolean can(String team, Role min) {
        if (clusterAdmin) {
            return true;
        }
        Role r = teams.get(team);
        return r != null && r.atLeast(min);
    }

    public boolean canView(String team) {
        return can(team, Role.VIEWER);
    }

    /** Teams whose jobs the caller may see; null means all (cluster admin). */
    public Set<String> visibleTeams() {
        return clusterAdmin ? null : teams.keySet();
    }
}
