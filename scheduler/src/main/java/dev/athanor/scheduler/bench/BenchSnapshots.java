package dev.athanor.scheduler.bench;

import dev.athanor.common.job.Priority;
import dev.athanor.scheduler.Cohort;
import dev.athanor.scheduler.DecayedUsage;
import dev.athanor.scheduler.FlavorQuota;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingJob;
import dev.athanor.scheduler.RunningJob;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The benchmark snapshot: {@code nodes} 8-GPU nodes over 4 flavors, ~85% of GPUs held by running jobs (1, 2, 4 and
 * 8-GPU jobs, 1-2 workers), {@code teams} teams in 10 cohorts with nominal quota + borrowing, and {@code pending}
 * pending jobs (55% 1 GPU, 25% 2-4, 20% 8 GPU / 2x8 gangs; 4 priorities; half pin a flavor; some with durations).
 */
public final class BenchSnapshots {

    private BenchSnapshots() {
    }

    public static Snapshot build(long seed, int pending, int teams, int nodes) {
        SplittableRandom r = new SplittableRandom(seed);
        String[] flavors = {"a100-80gb", "h100-80gb", "h200-141gb", "l40s-48gb"};
        Instant now = Instant.parse("2025-06-01T12:00:00Z");
        int[] free = new int[nodes];
        List<String> nodeNames = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            free[i] = 8;
            nodeNames.add(String.format("node-%05d", i));
        }
        long capPerFlavor = (long) nodes / flavors.length * 8;
        List<Team> ts = new ArrayList<>();
        for (int t = 0; t < teams; t++) {
            Map<String, FlavorQuota> q = new HashMap<>();
            for (String f : flavors) {
                int nominal = (int) (capPerFlavor / teams);
                q.put(f, new FlavorQuota(nominal, nominal * 4, FlavorQuota.UNLIMITED));
            }
            ts.add(new Team(String.format("team-%04d", t), "cohort-" + (t % 10), 1 + (t % 3), q,
                    new DecayedUsage(r.nextDouble() * 1e6, now.minusSeconds(3600))));
        }
        List<RunningJob> running = new ArrayList<>();
        long target = (long) (nodes * 8 * 0.85);
        long used = 0;
        int k = 0;
        int[] sizes = {1, 1, 2, 4, 8};
        int attempts = 0;
        while (used < target && attempts++ < nodes * 40) {
            int g = sizes[r.nextInt(sizes.length)];
            int workers = g == 8 && r.nextInt(4) == 0 ? 2 : 1;
            int n0 = r.nextInt(nodes);
            List<String> placed = new ArrayList<>();
            for (int w = 0; w < workers; w++) {
                for (int d = 0; d < nodes && placed.size() == w; d++) {
                    int n = (n0 + d * 4) % nodes; // same flavor: stride by the number of flavors
                    if (free[n] >= g) {
                        free[n] -= g;
                        placed.add(nodeNames.get(n));
                    }
                }
            }
            if (placed.size() < workers) {
                continue;
            }
            String flavor = flavors[Integer.parseInt(placed.get(0).substring(5)) % flavors.length];
            Instant start = now.minusSeconds(60 + r.nextInt(20_000));
            Instant end = r.nextInt(5) == 0 ? null : now.plusSeconds(60 + r.nextInt(40_000));
            running.add(new RunningJob(String.format("run-%06d", k++), ts.get(r.nextInt(teams)).name(),
                    Priority.values()[r.nextInt(3)], g, flavor, placed, start, end, r.nextBoolean(), 0, 0, null, 0));
            used += (long) g * workers;
        }
        List<Node> ns = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            ns.add(Node.of(nodeNames.get(i), flavors[i % flavors.length], 8, free[i]));
        }
        List<PendingJob> ps = new ArrayList<>(pending);
        for (int j = 0; j < pending; j++) {
            double u = r.nextDouble();
            int g, w = 1;
            if (u < 0.55) {
                g = 1;
            } else if (u < 0.80) {
                g = r.nextBoolean() ? 2 : 4;
            } else {
                g = 8;
                w = r.nextInt(3) == 0 ? 2 : 1;
            }
            String flavor = r.nextBoolean() ? null : flavors[r.nextInt(flavors.length)];
            Priority p = Priority.values()[Math.min(3, (int) (r.nextDouble() * r.nextDouble() * 4.5))];
            PendingJob pj = PendingJob.of(String.format("job-%07d", j), ts.get(r.nextInt(teams)).name(), p, w, g, flavor,
                    now.minusSeconds(r.nextInt(7_200)));
            if (r.nextInt(3) == 0) {
                pj = pj.withExpectedDuration(Duration.ofSeconds(300 + r.nextInt(20_000)));
            }
            ps.add(pj);
        }
        List<Cohort> cohorts = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            cohorts.add(new Cohort("cohort-" + c, Map.of()));
        }
        return new Snapshot(now, ns, ts, cohorts, running, ps);
    }
}
