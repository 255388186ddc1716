package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.Cohort;
import dev.athanor.scheduler.FlavorQuota;
import dev.athanor.scheduler.Team;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Nodes, teams (name + weight) and jobs. Quotas are derived from weights: each team's slice of a flavor is
 * capacity x weight / sum(weights). With sharing (Athanor), a team's nominal is {@code guaranteedFraction} of its slice
 * and the rest of the cluster is a cohort-owned pool every team borrows from (fair share decides who gets it); without
 * sharing (static partitioning), nominal = the whole slice, no cohort, no borrowing.
 */
public record Workload(String name, List<NodeSpec> nodes, List<String> teamNames, double[] weights, List<JobSpec> jobs,
                       String notes) {

    public record NodeSpec(String name, String flavor, int gpus) {
    }

    public static final String COHORT = "all";

    /** The same cluster and teams with other jobs (a variant of this workload). */
    public Workload withJobs(String newName, List<JobSpec> newJobs, String newNotes) {
        return new Workload(newName, nodes, teamNames, weights, List.copyOf(newJobs), newNotes);
    }

    public Map<String, Long> capacityByFlavor() {
        Map<String, Long> cap = new TreeMap<>();
        for (NodeSpec n : nodes) {
            cap.merge(n.flavor(), (long) n.gpus(), Long::sum);
        }
        return cap;
    }

    public long capacity() {
        long c = 0;
        for (NodeSpec n : nodes) {
            c += n.gpus();
        }
        return c;
    }

    /** Per team, per flavor slice (largest remainder so slices sum to capacity). */
    public List<Map<String, Integer>> slices() {
        int t = teamNames.size();
        double wsum = 0;
        for (double w : weights) {
            wsum += w;
        }
        List<Map<String, Integer>> out = new ArrayList<>();
        for (int i = 0; i < t; i++) {
            out.add(new TreeMap<>());
        }
        for (Map.Entry<String, Long> e : capacityByFlavor().entrySet()) {
            long cap = e.getValue();
            long given = 0;
            double[] rem = new double[t];
            for (int i = 0; i < t; i++) {
                double exact = cap * weights[i] / wsum;
                int base = (int) Math.floor(exact);
                out.get(i).put(e.getKey(), base);
                given += base;
                rem[i] = exact - base;
            }
            while (given < cap) {
                int best = 0;
                for (int i = 1; i < t; i++) {
                    if (rem[i] > rem[best]) {
                        best = i;
                    }
                }
                rem[best] = -1;
                out.get(best).merge(e.getKey(), 1, Integer::sum);
                given++;
            }
        }
        return out;
    }

    public List<Team> teams(boolean shared, double guaranteedFraction) {
        List<Map<String, Integer>> sl = slices();
        List<Team> out = new ArrayList<>();
        for (int i = 0; i < teamNames.size(); i++) {
            Map<String, FlavorQuota> q = new LinkedHashMap<>();
            for (Map.Entry<String, Integer> e : sl.get(i).entrySet()) {
                q.put(e.getKey(), shared ? FlavorQuota.of((int) Math.floor(e.getValue() * guaranteedFraction))
                        : new FlavorQuota(e.getValue(), 0, 0));
            }
            out.add(Team.of(teamNames.get(i), shared ? COHORT : null, weights[i], q));
        }
        return out;
    }

    public List<Cohort> cohorts(boolean shared, double guaranteedFraction) {
        if (!shared) {
            return List.of();
        }
        Map<String, Integer> pool = new TreeMap<>();
        List<Map<String, Integer>> sl = slices();
        for (Map.Entry<String, Long> e : capacityByFlavor().entrySet()) {
            long nominalSum = 0;
            for (Map<String, Integer> m : sl) {
                nominalSum += (int) Math.floor(m.getOrDefault(e.getKey(), 0) * guaranteedFraction);
            }
            pool.put(e.getKey(), (int) (e.getValue() - nominalSum));
        }
        return List.of(new Cohort(COHORT, pool));
    }
}
