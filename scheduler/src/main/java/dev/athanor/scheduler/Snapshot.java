package dev.athanor.scheduler;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * Everything one scheduling cycle looks at. The decision is a pure function of this value (list order does not
 * matter: everything is re-sorted by name/id). Build it from the store (teams, pending and running jobs) and the
 * launcher (nodes and their real free GPUs).
 */
public record Snapshot(Instant now, List<Node> nodes, List<Team> teams, List<Cohort> cohorts,
                       List<RunningJob> running, List<PendingJob> pending) {

    public Snapshot {
        Objects.requireNonNull(now, "now");
        nodes = List.copyOf(nodes);
        teams = List.copyOf(teams);
        cohorts = cohorts == null ? List.of() : List.copyOf(cohorts);
        running = List.copyOf(running);
        pending = List.copyOf(pending);
    }

    public Snapshot(Instant now, List<Node> nodes, List<Team> teams, List<RunningJob> running, List<PendingJob> pending) {
        this(now, nodes, teams, List.of(), running, pending);
    }
}
