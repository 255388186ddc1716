package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic multi-team workload generator (seeded). Teams get equal arrival rates; the offered load (GPU-seconds
 * requested / GPU-seconds available over the arrival window) is {@code load}, so {@code load > 1} builds a continuous
 * backlog. Size mix: 60% 1 GPU, 25% 2-4 GPUs (2, 4 or a 2x2 gang), 15% 8 GPUs (1x8 or a 2x4 gang). Durations are
 * log-normal (median 30 min for 1-4 GPUs, 2 h for 8 GPUs, capped at 12 h); the reported estimate is the duration times
 * U(1, 1.5). 10% HIGH, 10% LOW priority; half the jobs checkpoint every 10 minutes; half accept any flavor.
 */
public final class SyntheticWorkload {

    private SyntheticWorkload() {
    }

    public static Workload generate(long seed, List<String> flavors, int nodesPerFlavor, int gpusPerNode,
                                    double[] weights, double load, long arrivalWindowSeconds) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Workload.NodeSpec> nodes = new ArrayList<>();
        for (String f : flavors) {
            for (int i = 0; i < nodesPerFlavor; i++) {
                nodes.add(new Workload.NodeSpec(String.format("%s-n%03d", f, i), f, gpusPerNode));
            }
        }
        List<String> teams = new ArrayList<>();
        for (int i = 0; i < weights.length; i++) {
            teams.add("team-" + (char) ('a' + i));
        }
        long capacity = (long) flavors.size() * nodesPerFlavor * gpusPerNode;
        double targetGpuSeconds = load * capacity * arrivalWindowSeconds;
        List<JobSpec> jobs = new ArrayList<>();
        double total = 0;
        int k = 0;
        while (total < targetGpuSeconds) {
            double u = rnd.nextDouble();
            int workers, g;
            double median;
            if (u < 0.60) {
                workers = 1;
                g = 1;
                median = 1800;
            } else if (u < 0.85) {
                int v = rnd.nextInt(3);
                workers = v == 2 ? 2 : 1;
                g = v == 0 ? 2 : (v == 1 ? 4 : 2);
                median = 1800;
            } else {
                boolean gang = rnd.nextInt(3) == 0;
                workers = gang ? 2 : 1;
                g = gang ? 4 : 8;
                median = 7200;
            }
            double z = gaussian(rnd);
            long duration = (long) Math.max(60, Math.min(43_200, median * Math.exp(0.8 * z)));
            long estimate = (long) Math.ceil(duration * (1 + 0.5 * rnd.nextDouble()));
            long arrival = (long) (rnd.nextDouble() * arrivalWindowSeconds);
            double p = rnd.nextDouble();
            Priority prio = p < 0.1 ? Priority.HIGH : p < 0.2 ? Priority.LOW : Priority.NORMAL;
            double fu = rnd.nextDouble();
            String flavor = fu < 0.5 ? null : flavors.get(rnd.nextInt(flavors.size()));
            int team = rnd.nextInt(weights.length);
            jobs.add(new JobSpec(String.format("syn-%06d", k++), team, workers, g, flavor, arrival, duration, estimate,
                    prio, rnd.nextBoolean() ? 600 : 0));
            total += (double) duration * workers * g;
        }
        String notes = String.format("synthetic seed=%d, %d nodes x %d GPUs (%s), weights %s, load %.2f over %d s, %d jobs",
                seed, nodes.size(), gpusPerNode, String.join(",", flavors), java.util.Arrays.toString(weights), load,
                arrivalWindowSeconds, jobs.size());
        return new Workload("synthetic", nodes, teams, weights, jobs, notes);
    }

    /** Throughput scenario: many short 1-GPU jobs all queued at t=0 on a big cluster, so every cycle admits a lot. */
    public static Workload burst(long seed, int nodes, int gpusPerNode, int teamCount, int jobCount) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Workload.NodeSpec> ns = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            ns.add(new Workload.NodeSpec(String.format("h200-n%04d", i), "h200-141gb", gpusPerNode));
        }
        List<String> teams = new ArrayList<>();
        double[] weights = new double[teamCount];
        for (int i = 0; i < teamCount; i++) {
            teams.add(String.format("team-%04d", i));
            weights[i] = 1 + (i % 4);
        }
        List<JobSpec> jobs = new ArrayList<>();
        for (int k = 0; k < jobCount; k++) {
            long d = 5 + rnd.nextInt(10);
            jobs.add(new JobSpec(String.format("burst-%06d", k), rnd.nextInt(teamCount), 1, 1, null, 0, d, d,
                    Priority.NORMAL, 0));
        }
        return new Workload("burst", ns, teams, weights, jobs,
                String.format("burst: %d jobs of 1 GPU, 5-14 s, queued at t=0; %d nodes x %d GPUs; %d teams",
                        jobCount, nodes, gpusPerNode, teamCount));
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = Math.max(1e-12, r.nextDouble()), u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
