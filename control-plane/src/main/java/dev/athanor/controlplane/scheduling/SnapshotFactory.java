package dev.athanor.controlplane.scheduling;

import dev.athanor.common.launch.AttemptKey;
import dev.athanor.scheduler.Cohort;
import dev.athanor.scheduler.DecayedUsage;
import dev.athanor.scheduler.FlavorQuota;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingJob;
import dev.athanor.scheduler.RunningJob;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Turns what the store and the launcher report into the scheduling core's {@link Snapshot}. Pure: no framework.
 * <ul>
 *   <li>A team without a quota row for a flavor has nominal 0 and may borrow without limit from its cohort; an
 *   admin who wants a team kept off a flavor gives it a row with borrowing limit 0.</li>
 *   <li>GPUs no team's nominal quota covers are the shared quota of the default cohort, so on a cluster with no
 *   quotas configured every team (all in the default cohort) shares all GPUs by weighted fair share.</li>
 *   <li>Teams that jobs name but the team table does not hold (jobs from before teams existed) join the default
 *   cohort with weight 1.</li>
 *   <li>Only GPU jobs are scheduled here; CPU-only jobs use the launcher's CPU slots and no quota.</li>
 * </ul>
 */
public final class SnapshotFactory {

    private SnapshotFactory() {
    }

    /**
     * @param flavorFor  the node flavor serving a requested GPU type (null: any)
     * @param placement  node names of a live attempt's workers, empty when the launcher does not know them
     */
    public static Snapshot build(Instant now, SchedulingStore.Inputs in, List<Node> nodes, String defaultCohort,
                                 Map<String, DecayedUsage> usage, Function<String, String> flavorFor,
                                 Function<AttemptKey, List<String>> placement) {
        Map<String, Long> capacity = new TreeMap<>();
        Map<String, String> firstNodeOfFlavor = new HashMap<>();
        for (Node n : nodes) {
            capacity.merge(n.flavor(), (long) n.gpus(), Long::sum);
            firstNodeOfFlavor.putIfAbsent(n.flavor(), n.name());
        }
        Map<String, Map<String, FlavorQuota>> quotas = new HashMap<>();
        Map<String, Long> nominalSum = new HashMap<>();
        for (SchedulingStore.QuotaRow q : in.quotas()) {
            quotas.computeIfAbsent(q.team(), k -> new HashMap<>()).put(q.flavor(), new FlavorQuota(q.nominal(),
                    q.borrowingLimit() == null ? FlavorQuota.UNLIMITED : q.borrowingLimit(),
                    q.lendingLimit() == null ? FlavorQuota.UNLIMITED : q.lendingLimit()));
            nominalSum.merge(q.flavor(), (long) q.nominal(), Long::sum);
        }
        Map<String, Team> teams = new LinkedHashMap<>();
        for (SchedulingStore.TeamRow t : in.teams()) {
            teams.put(t.name(), team(t.name(), t.cohort() == null ? defaultCohort : t.cohort(), t.weight(),
                    quotas.get(t.name()), capacity.keySet(), usage.get(t.name())));
        }
        List<PendingJob> pending = new ArrayList<>(in.pending().size());
        for (SchedulingStore.PendingRow p : in.pending()) {
            if (p.resources().gpusPerWorker() == 0) {
                continue;
            }
            teams.computeIfAbsent(p.team(), k -> team(k, defaultCohort, 1.0, quotas.get(k), capacity.keySet(), usage.get(k)));
            pending.add(PendingJob.of(p.id().toString(), p.team(), p.priority(), p.resources().workers(),
                    p.resources().gpusPerWorker(), flavorFor.apply(p.resources().gpuType()), p.queuedAt()));
        }
        List<RunningJob> running = new ArrayList<>(in.live().size());
        for (SchedulingStore.LiveRow l : in.live()) {
            if (l.resources().gpusPerWorker() == 0) {
                continue;
            }
            teams.computeIfAbsent(l.team(), k -> team(k, defaultCohort, 1.0, quotas.get(k), capacity.keySet(), usage.get(k)));
            String flavor = l.flavor() != null ? l.flavor() : flavorFor.apply(l.resources().gpuType());
            if (flavor == null) {
                flavor = capacity.isEmpty() ? "unknown" : capacity.keySet().iterator().next();
            }
            List<String> where = placement.apply(new AttemptKey(l.id(), l.attempt()));
            if (where.size() != l.resources().workers()) {
                String node = firstNodeOfFlavor.getOrDefault(flavor, "(unplaced)");
                where = java.util.Collections.nCopies(l.resources().workers(), node);
            }
            running.add(new RunningJob(l.id().toString(), l.team(), l.priority(), l.resources().gpusPerWorker(), flavor,
                    where, l.since(), l.expectedEnd(), l.checkpointable(), 0, 0, null, l.preemptions()));
        }
        Map<String, Integer> unassigned = new TreeMap<>();
        for (Map.Entry<String, Long> c : capacity.entrySet()) {
            long left = c.getValue() - nominalSum.getOrDefault(c.getKey(), 0L);
            unassigned.put(c.getKey(), (int) Math.max(0, Math.min(Integer.MAX_VALUE, left)));
        }
        return new Snapshot(now, nodes, new ArrayList<>(teams.values()), List.of(new Cohort(defaultCohort, unassigned)),
                running, pending);
    }

    private static Team team(String name, String cohort, double weight, Map<String, FlavorQuota> configured,
                             Iterable<String> flavors, DecayedUsage usage) {
        Map<String, FlavorQuota> q = new HashMap<>();
        for (String f : flavors) {
            q.put(f, new FlavorQuota(0, FlavorQuota.UNLIMITED, 0));
        }
        if (configured != null) {
            q.putAll(configured);
        }
        return new Team(name, cohort, weight, q, usage == null ? DecayedUsage.ZERO : usage);
    }
}
