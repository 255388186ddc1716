package dev.athanor.scheduler.bench;

import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.Scheduler;
import dev.athanor.scheduler.SchedulerConfig;
import dev.athanor.scheduler.Snapshot;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scheduling cycle over a big snapshot (default 100,000 pending jobs, 1,000 teams, 2,000 nodes), repeated; prints
 * p50/p99/max and, as its last line, one JSON object. No JMH needed:
 * <pre>java -cp scheduler/target/athanor-scheduler.jar dev.athanor.scheduler.bench.CycleBench [--pending N] [--teams N]
 *     [--nodes N] [--warmup 20] [--iterations 50]</pre>
 * The JMH variant is {@code CycleJmhBenchmark} in the test sources (see BENCHMARKS.md).
 */
public final class CycleBench {

    public static void main(String[] args) {
        Map<String, String> a = new TreeMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int pending = Integer.parseInt(a.getOrDefault("pending", "100000"));
        int teams = Integer.parseInt(a.getOrDefault("teams", "1000"));
        int nodes = Integer.parseInt(a.getOrDefault("nodes", "2000"));
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "20"));
        int iterations = Integer.parseInt(a.getOrDefault("iterations", "50"));
        long t0 = System.nanoTime();
        Snapshot s = BenchSnapshots.build(1, pending, teams, nodes);
        double buildMs = (System.nanoTime() - t0) / 1e6;
        Scheduler sch = new Scheduler(SchedulerConfig.defaults());
        Decision d = null;
        for (int i = 0; i < warmup; i++) {
            d = sch.schedule(s);
        }
        double[] ms = new double[iterations];
        double[] cpu = new double[iterations];
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < iterations; i++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long st = System.nanoTime();
            d = sch.schedule(s);
            ms[i] = (System.nanoTime() - st) / 1e6;
            cpu[i] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
        }
        Arrays.sort(cpu);
        double cpuP50 = cpu[(int) Math.ceil(0.5 * iterations) - 1];
        double cpuP99 = cpu[Math.max(0, (int) Math.ceil(0.99 * iterations) - 1)];
        Arrays.sort(ms);
        double p50 = ms[(int) Math.ceil(0.5 * iterations) - 1];
        double p99 = ms[Math.max(0, (int) Math.ceil(0.99 * iterations) - 1)];
        double max = ms[iterations - 1];
        double mean = Arrays.stream(ms).average().orElse(0);
        Map<String, Integer> reasons = new TreeMap<>();
        d.pending().forEach(p -> reasons.merge(p.reason().name(), 1, Integer::sum));
        long withEta = d.pending().stream().filter(p -> p.estimatedStart() != null).count();
        System.out.printf(Locale.ROOT, "snapshot: %d pending, %d teams, %d nodes, %d running (built in %.0f ms)%n",
                s.pending().size(), s.teams().size(), s.nodes().size(), s.running().size(), buildMs);
        System.out.printf(Locale.ROOT, "decision: %d admissions, %d preemptions, %d reservations, %d pending infos "
                        + "(%d with an estimated start), reasons %s%n", d.admissions().size(), d.preemptions().size(),
                d.reservations().size(), d.pending().size(), withEta, reasons);
        System.out.printf(Locale.ROOT, "cycle time over %d iterations (after %d warm-up): p50 %.2f ms, p99 %.2f ms, "
                + "mean %.2f ms, max %.2f ms; target <= 50 ms: %s%n", iterations, warmup, p50, p99, mean, max,
                p99 <= 50 ? "MET" : (p50 <= 50 ? "p50 MET, p99 NOT MET" : "NOT MET"));
        System.out.printf(Locale.ROOT, "CPU time of the scheduling thread: p50 %.2f ms, p99 %.2f ms (wall minus time "
                + "the thread was not running: GC threads and other processes on the machine)%n", cpuP50, cpuP99);
        System.out.printf(Locale.ROOT, "{\"benchmark\":\"scheduler-cycle\",\"pending\":%d,\"teams\":%d,\"nodes\":%d,"
                        + "\"running\":%d,\"cores\":%d,\"iterations\":%d,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"meanMs\":%.3f,"
                        + "\"maxMs\":%.3f,\"cpuP50Ms\":%.3f,\"cpuP99Ms\":%.3f,\"admissions\":%d,\"preemptions\":%d,\"reservations\":%d,\"withEstimatedStart\":%d,"
                        + "\"targetMs\":50,\"met\":%b}%n",
                pending, teams, nodes, s.running().size(), Runtime.getRuntime().availableProcessors(), iterations, p50,
                p99, mean, max, cpuP50, cpuP99, d.admissions().size(), d.preemptions().size(), d.reservations().size(), withEta, p99 <= 50);
    }
}
