package dev.athanor.scheduler.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Seeded transformations of a workload into variants unlike the ones the policy was tuned on. Each keeps the cluster
 * and the teams and changes one property of the jobs; every job of a variant still fits some node of its flavor (a
 * variant tests scheduling, not admission control).
 */
public final class WorkloadVariants {

    private WorkloadVariants() {
    }

    /**
     * A share {@code rate} of the jobs that accept any GPU model is pinned to one model, as the trace's
     * {@code gpu_spec} pins a pod: the model is drawn in proportion to the GPUs of that model that can hold the job.
     */
    public static Workload pinned(Workload w, double rate, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<JobSpec> out = new ArrayList<>();
        int changed = 0;
        for (JobSpec j : w.jobs()) {
            if (j.flavor() == null && rnd.nextDouble() < rate) {
                String f = drawFlavor(w, j.gpusPerWorker(), rnd);
                if (f != null) {
                    out.add(j.withFlavor(f));
                    changed++;
                    continue;
                }
            }
            out.add(j);
        }
        return w.withJobs(w.name() + "-pinned" + percent(rate), out, w.notes() + String.format(Locale.ROOT,
                "; variant: %d jobs pinned to one GPU model (rate %.2f, seed %d)", changed, rate, seed));
    }

    /** A share {@code rate} of the 1-GPU jobs ask for 2, 4 or 8 GPUs on one node instead (durations unchanged). */
    public static Workload moreMultiGpu(Workload w, double rate, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] sizes = {2, 4, 8};
        List<JobSpec> out = new ArrayList<>();
        int changed = 0;
        for (JobSpec j : w.jobs()) {
            if (j.gpus() == 1 && rnd.nextDouble() < rate) {
                int g = sizes[rnd.nextInt(sizes.length)];
                while (g > 1 && largestNode(w, j.flavor()) < g) {
                    g /= 2;
                }
                if (g > 1) {
                    out.add(j.withShape(1, g));
                    changed++;
                    continue;
                }
            }
            out.add(j);
        }
        return w.withJobs(w.name() + "-multigpu" + percent(rate), out, w.notes() + String.format(Locale.ROOT,
                "; variant: %d 1-GPU jobs made 2/4/8-GPU jobs (rate %.2f, seed %d)", changed, rate, seed));
    }

    /**
     * Durations (and estimates) multiplied by a Pareto factor (shape 1.5, mean 1, capped at 20): the same mean work in
     * many short jobs and a few very long ones.
     */
    public static Workload heavyTail(Workload w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double shape = 1.5, scale = (shape - 1) / shape;
        List<JobSpec> out = new ArrayList<>();
        for (JobSpec j : w.jobs()) {
            double f = Math.min(20, scale / Math.pow(1 - rnd.nextDouble(), 1 / shape));
            long d = Math.max(1, Math.round(j.duration() * f));
            long e = Math.max(1, Math.round(j.estimate() * f));
            out.add(j.withTimes(j.arrival(), d, e));
        }
        return w.withJobs(w.name() + "-heavytail", out, w.notes()
                + String.format(Locale.ROOT, "; variant: durations x Pareto(1.5) mean 1, cap 20 (seed %d)", seed));
    }

    /** Arrivals moved to the start of their window of {@code windowSeconds}: the same jobs in bursts. */
    public static Workload bursty(Workload w, long windowSeconds, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long offset = rnd.nextLong(windowSeconds);
        List<JobSpec> out = new ArrayList<>();
        for (JobSpec j : w.jobs()) {
            long a = Math.max(0, Math.floorDiv(j.arrival() + offset, windowSeconds) * windowSeconds - offset);
            out.add(j.withTimes(Math.min(a, j.arrival()), j.duration(), j.estimate()));
        }
        return w.withJobs(w.name() + "-bursty", out, w.notes() + String.format(Locale.ROOT,
                "; variant: arrivals in bursts every %d s (seed %d)", windowSeconds, seed));
    }

    /** Jobs reassigned to teams by a Zipf law (exponent 1.2): one team submits most of the work, weights unchanged. */
    public static Workload skewedTeams(Workload w, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = w.teamNames().size();
        double[] cdf = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += 1 / Math.pow(i + 1, 1.2);
            cdf[i] = sum;
        }
        List<JobSpec> out = new ArrayList<>();
        for (JobSpec j : w.jobs()) {
            double u = rnd.nextDouble() * sum;
            int t = 0;
            while (t < n - 1 && cdf[t] < u) {
                t++;
            }
            out.add(j.withTeam(t));
        }
        return w.withJobs(w.name() + "-skewed", out, w.notes()
                + String.format(Locale.ROOT, "; variant: teams by Zipf(1.2) (seed %d)", seed));
    }

    private static String drawFlavor(Workload w, int gpusPerWorker, SplittableRandom rnd) {
        Map<String, Long> holding = new TreeMap<>();
        long total = 0;
        for (Workload.NodeSpec n : w.nodes()) {
            if (n.gpus() >= gpusPerWorker) {
                holding.merge(n.flavor(), (long) n.gpus(), Long::sum);
                total += n.gpus();
            }
        }
        if (total == 0) {
            return null;
        }
        long pick = rnd.nextLong(total);
        for (Map.Entry<String, Long> e : holding.entrySet()) {
            pick -= e.getValue();
            if (pick < 0) {
                return e.getKey();
            }
        }
        throw new AssertionError("unreachable");
    }

    private static int largestNode(Workload w, String flavor) {
        int m = 0;
        for (Workload.NodeSpec n : w.nodes()) {
            if (flavor == null || flavor.equals(n.flavor())) {
                m = Math.max(m, n.gpus());
            }
        }
        return m;
    }

    private static String percent(double rate) {
        return String.valueOf(Math.round(rate * 100));
    }
}
