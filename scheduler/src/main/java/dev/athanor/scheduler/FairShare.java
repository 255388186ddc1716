package dev.athanor.scheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Weighted dominant-resource fair share with a decayed-usage term:
 * <pre>
 *   share(t) = ( max_f used(t,f) / capacity(f)  +  usageWeight * decayed(t) / (capacityTotal * halfLife/ln2) ) / weight(t)
 * </pre>
 * Both terms are fractions of the cluster, so a team using a steady fraction x of the cluster converges to
 * {@code (x + usageWeight * x) / weight}. Equal shares therefore mean allocations proportional to weights.
 */
public final class FairShare {

    private FairShare() {
    }

    /** Mean lifetime (seconds) of the exponential decay: the integral of a constant usage converges to usage x tau. */
    static double tau(Duration halfLife) {
        return halfLife.toMillis() / 1000.0 / Math.log(2);
    }

    static double score(double dominant, double historical, double usageWeight, double weight) {
        return (dominant + usageWeight * historical) / weight;
    }

    static double historical(DecayedUsage u, Instant now, Duration halfLife, long capacityTotal) {
        if (capacityTotal <= 0) {
            return 0;
        }
        return u.valueAt(now, halfLife) / (capacityTotal * tau(halfLife));
    }

    /** Per-team shares for a snapshot, sorted by team name. */
    public static List<TeamShare> compute(Snapshot s, SchedulerConfig cfg) {
        Map<String, Long> cap = new HashMap<>();
        long capTotal = 0;
        for (Node n : s.nodes()) {
            cap.merge(n.flavor(), (long) n.gpus(), Long::sum);
            capTotal += n.gpus();
        }
        Map<String, Map<String, Long>> used = new HashMap<>();
        for (RunningJob r : s.running()) {
            used.computeIfAbsent(r.team(), k -> new TreeMap<>()).merge(r.flavor(), r.totalGpus(), Long::sum);
        }
        List<TeamShare> out = new ArrayList<>();
        for (Team t : s.teams()) {
            Map<String, Long> u = used.getOrDefault(t.name(), Map.of());
            double dom = 0;
            for (Map.Entry<String, Long> e : u.entrySet()) {
                long c = cap.getOrDefault(e.getKey(), 0L);
                if (c > 0) {
                    dom = Math.max(dom, e.getValue() / (double) c);
                }
            }
            double hist = historical(t.usage(), s.now(), cfg.usageHalfLife(), capTotal);
            out.add(new TeamShare(t.name(), t.weight(), u, dom, hist, score(dom, hist, cfg.usageWeight(), t.weight())));
        }
        out.sort(Comparator.comparing(TeamShare::team));
        return out;
    }

    /**
     * Jain's fairness index of the given values: (sum x)^2 / (n * sum x^2); 1.0 = perfectly equal, 1/n = one gets all.
     */
    public static double jain(double[] x) {
        double sum = 0, sq = 0;
        int n = 0;
        for (double v : x) {
            sum += v;
            sq += v * v;
            n++;
        }
        return n == 0 || sq == 0 ? 1.0 : sum * sum / (n * sq);
    }
}
