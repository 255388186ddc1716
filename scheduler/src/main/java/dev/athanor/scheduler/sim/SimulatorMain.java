package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.SchedulerConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Scheduling simulator. Replays a workload through the real core (policy "athanor") and, in the same run, through
 * FIFO (strict arrival order, head-of-line blocking) and static per-team partitioning, in virtual time.
 *
 * <pre>
 * java -cp scheduler/target/athanor-scheduler.jar dev.athanor.scheduler.sim.SimulatorMain [options]
 *   --workload trace|synthetic|burst|all   (default all)
 *   --pods PODS.csv --nodes NODES.csv      (default ../shared/data/alibaba-gpu-v2023/ from the repo root)
 *   --teams 4 --weights 1,1,2,4 --compress 1000 --node-fraction 0.1 --flat-priority
 *   --cycle 10 --reserve-after 1800 --min-runtime 600 --guaranteed 0.5 --usage-weight 0.5 --max-reservations 2
 *   --reclaim-after 1800 --max-preemptions-per-job 1 --gain-over-loss 4
 *   --seed 42 --load 1.3 --days 2 --burst-jobs 100000 --no-preemption
 *   --suite [--variants a,b] [--with-static]   (RobustnessSuite: every policy on every workload variant)
 * </pre>
 * Prints a table per workload and, as its last line, one JSON object with every figure.
 */
public final class SimulatorMain {

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException | java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    private static void run(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        if (a.containsKey("suite")) {
            RobustnessSuite.run(a);
            return;
        }
        String which = a.getOrDefault("workload", "all");
        double[] weights = weights(a);
        int teams = weights.length;
        long cycle = Long.parseLong(a.getOrDefault("cycle", "10"));
        SchedulerConfig cfg = config(a);
        double guaranteed = guaranteed(a);
        Simulation.Options opt = options(a, cfg);

        StringBuilder json = new StringBuilder("{\"benchmark\":\"scheduler-simulator\",\"cores\":")
                .append(Runtime.getRuntime().availableProcessors())
                .append(",\"config\":{\"cycleSeconds\":").append(cycle)
                .append(",\"reservationAfterSeconds\":").append(cfg.reservationAfter().toSeconds())
                .append(",\"minRuntimeSeconds\":").append(cfg.minRuntime().toSeconds())
                .append(",\"usageWeight\":").append(cfg.usageWeight())
                .append(",\"usageHalfLifeHours\":").append(cfg.usageHalfLife().toHours())
                .append(",\"guaranteedFraction\":").append(guaranteed).append("},\"workloads\":{");
        boolean first = true;
        List<String> verdicts = new ArrayList<>();

        if (which.equals("all") || which.equals("trace")) {
            Path pods = resolve(a.get("pods"), "openb_pod_list_default.csv");
            Path nodes = resolve(a.get("nodes"), "openb_node_list_gpu_node.csv");
            double compress = Double.parseDouble(a.getOrDefault("compress", "1000"));
            double nodeFraction = Double.parseDouble(a.getOrDefault("node-fraction", "0.1"));
            AlibabaTrace.Loaded l = AlibabaTrace.load(pods, nodes, teams, weights, compress, a.containsKey("flat-priority"),
                    nodeFraction);
            first = runAll(l.workload(), cfg, guaranteed, opt, json, first, verdicts,
                    String.format(Locale.ROOT, "\"source\":\"%s\",\"nodeFraction\":" + nodeFraction + ",\"compress\":%.1f,\"rows\":%d,\"cpuOnlySkipped\":%d,"
                                    + "\"noDurationSkipped\":%d,\"fractionalAsOneGpu\":%d,\"pinnedFlavor\":%d",
                            esc(pods.toString()), compress, l.stats().rows(), l.stats().cpuOnly(), l.stats().noDuration(),
                            l.stats().fractional(), l.stats().pinnedFlavor()));
        }
        if (which.equals("all") || which.equals("synthetic")) {
            long seed = Long.parseLong(a.getOrDefault("seed", "42"));
            double load = Double.parseDouble(a.getOrDefault("load", "1.3"));
            long days = Long.parseLong(a.getOrDefault("days", "2"));
            Workload w = SyntheticWorkload.generate(seed, List.of("a100-80gb", "h200-141gb"), 32, 8, weights, load,
                    days * 86_400);
            first = runAll(w, cfg, guaranteed, opt, json, first, verdicts, "\"seed\":" + seed + ",\"load\":" + load);
        }
        if (which.equals("all") || which.equals("burst")) {
            int jobs = Integer.parseInt(a.getOrDefault("burst-jobs", "100000"));
            Workload w = SyntheticWorkload.burst(7, 2000, 8, 1000, jobs);
            System.out.println();
            System.out.println("== throughput: " + w.notes());
            // warm-up so the figure is the steady state of a long-running control plane, not JIT compilation
            new Simulation(SyntheticWorkload.burst(8, 2000, 8, 1000, Math.min(jobs, 40_000)),
                    Policy.athanor(cfg, guaranteed), opt).run();
            SimResult r = new Simulation(w, Policy.athanor(cfg, guaranteed), opt).run();
            double e2e = r.admissions() / r.wallSeconds();
            System.out.printf(Locale.ROOT, "admissions %d in %d cycles; scheduler time %.2f s -> %.0f admissions/s; "
                            + "whole simulation (snapshot building included) %.2f s -> %.0f admissions/s%n",
                    r.admissions(), r.cycles(), r.schedulerSeconds(), r.admissionsPerSchedulerSecond(),
                    r.wallSeconds(), e2e);
            verdicts.add(String.format(Locale.ROOT, "throughput %.0f admissions/s (scheduler) >= 10000: %s",
                    r.admissionsPerSchedulerSecond(), r.admissionsPerSchedulerSecond() >= 10_000 ? "MET" : "NOT MET"));
            if (!first) {
                json.append(',');
            }
            first = false;
            json.append("\"burst\":{\"notes\":\"").append(esc(w.notes())).append("\",\"admissions\":").append(r.admissions())
                    .append(",\"cycles\":").append(r.cycles())
                    .append(String.format(Locale.ROOT, ",\"schedulerSeconds\":%.3f,\"admissionsPerSecond\":%.0f,"
                                    + "\"wallSeconds\":%.3f,\"endToEndAdmissionsPerSecond\":%.0f}",
                            r.schedulerSeconds(), r.admissionsPerSchedulerSecond(), r.wallSeconds(), e2e));
        }
        json.append("},\"verdicts\":[");
        for (int i = 0; i < verdicts.size(); i++) {
            json.append(i == 0 ? "" : ",").append('"').append(esc(verdicts.get(i))).append('"');
        }
        json.append("]}");
        System.out.println();
        System.out.println("== verdicts");
        verdicts.forEach(v -> System.out.println("  " + v));
        System.out.println(json);
    }

    static SchedulerConfig config(Map<String, String> a) {
        return SchedulerConfig.defaults()
                .withReservationAfter(Duration.ofSeconds(Long.parseLong(a.getOrDefault("reserve-after", "1800"))))
                .withMinRuntime(Duration.ofSeconds(Long.parseLong(a.getOrDefault("min-runtime", "600"))))
                .withUsageWeight(Double.parseDouble(a.getOrDefault("usage-weight", "0.5")))
                .withUsageHalfLife(Duration.ofHours(Long.parseLong(a.getOrDefault("half-life-hours", "24"))))
                .withPreemption(!a.containsKey("no-preemption"))
                .withReclaimAfter(Duration.ofSeconds(Long.parseLong(a.getOrDefault("reclaim-after", "1800"))))
                .withMaxPreemptionsPerJob(Integer.parseInt(a.getOrDefault("max-preemptions-per-job", "1")))
                .withGainOverLoss(Double.parseDouble(a.getOrDefault("gain-over-loss", "4")))
                .withMaxReservationsPerFlavor(Integer.parseInt(a.getOrDefault("max-reservations", "2")));
    }

    static double guaranteed(Map<String, String> a) {
        return Double.parseDouble(a.getOrDefault("guaranteed", "0.5"));
    }

    static Simulation.Options options(Map<String, String> a, SchedulerConfig cfg) {
        return new Simulation.Options(Long.parseLong(a.getOrDefault("cycle", "10")),
                Long.parseLong(a.getOrDefault("max-idle", "300")), cfg.usageHalfLife());
    }

    static double[] weights(Map<String, String> a) {
        double[] weights = parseWeights(a.getOrDefault("weights", "1,1,2,4"));
        int teams = Integer.parseInt(a.getOrDefault("teams", String.valueOf(weights.length)));
        if (teams == weights.length) {
            return weights;
        }
        double[] w = new double[teams];
        for (int i = 0; i < teams; i++) {
            w[i] = weights[i % weights.length];
        }
        return w;
    }

    private static boolean runAll(Workload w, SchedulerConfig cfg, double guaranteed, Simulation.Options opt,
                                  StringBuilder json, boolean first, List<String> verdicts, String extra) {
        System.out.println();
        System.out.println("== " + w.name() + ": " + w.notes());
        List<SimResult> rs = new ArrayList<>();
        for (Policy p : List.of(Policy.athanor(cfg, guaranteed), Policy.fifo(), Policy.staticPartition(cfg))) {
            rs.add(new Simulation(w, p, opt).run());
        }
        printTable(rs);
        SimResult ath = rs.get(0), fifo = rs.get(1);
        double smallRatio = fifo.p95Wait("1") > 0 ? ath.p95Wait("1") / fifo.p95Wait("1") : 0;
        for (Targets.Verdict v : Targets.BRIEF.check(w.name(), ath, fifo)) {
            verdicts.add(v.toString());
        }
        if (!first) {
            json.append(',');
        }
        json.append('"').append(w.name()).append("\":{\"notes\":\"").append(esc(w.notes())).append("\",").append(extra)
                .append(",\"jobs\":").append(w.jobs().size()).append(",\"gpus\":").append(w.capacity())
                .append(",\"policies\":{");
        for (int i = 0; i < rs.size(); i++) {
            if (i > 0) {
                json.append(',');
            }
            appendResult(json, rs.get(i));
        }
        json.append(String.format(Locale.ROOT, "},\"smallP95WaitRatioVsFifo\":%.4f}", smallRatio));
        return false;
    }

    static void printTable(List<SimResult> rs) {
        System.out.printf(Locale.ROOT, "%-8s %7s %7s %6s %6s %6s %6s %6s %9s %9s %9s %9s %9s %9s %9s %6s %8s%n",
                "policy", "goodput", "util", "waste", "jain", "preem", "p/job", "unsch", "w1 mean", "w1 p95", "w24 mean",
                "w24 p95", "w8 mean", "w8 p95", "max wait", "cycles", "sched s");
        for (SimResult r : rs) {
            System.out.printf(Locale.ROOT, "%-8s %7.3f %7.3f %5.1f%% %6.3f %6d %6.3f %6d %9s %9s %9s %9s %9s %9s %9s %6d %8.2f%n",
                    r.policy(), r.goodput(), r.utilization(), 100 * r.wastedShare(), r.jain(), r.preemptions(),
                    r.preemptionsPerJob(), r.unschedulable(),
                    dur(cls(r, "1").meanWait()), dur(cls(r, "1").p95Wait()), dur(cls(r, "2-4").meanWait()),
                    dur(cls(r, "2-4").p95Wait()), dur(cls(r, "8+").meanWait()), dur(cls(r, "8+").p95Wait()),
                    dur(r.maxWait()), r.cycles(), r.schedulerSeconds());
        }
        System.out.printf(Locale.ROOT, "%-8s %9s %9s %9s %9s %9s %9s%n", "policy", "jct1 mean", "jct1 p95", "jct24 mean",
                "jct24 p95", "jct8 mean", "jct8 p95");
        for (SimResult r : rs) {
            System.out.printf(Locale.ROOT, "%-8s %9s %9s %9s %9s %9s %9s   shares/fair: %s%n", r.policy(),
                    dur(cls(r, "1").meanJct()), dur(cls(r, "1").p95Jct()), dur(cls(r, "2-4").meanJct()),
                    dur(cls(r, "2-4").p95Jct()), dur(cls(r, "8+").meanJct()), dur(cls(r, "8+").p95Jct()),
                    fmtShares(r.normalizedShares()));
        }
        System.out.println("goodput = GPU time of kept work (completed or checkpointed) / capacity while under backlog "
                + "(pending GPUs >= free GPUs); util = busy GPU time / capacity under backlog (counts work a preemption "
                + "threw away); waste = share of used GPU-seconds thrown away; p/job = preemptions per job; w = wait (first start - arrival), jct = completion - arrival, by size class 1 / 2-4 / 8+ GPUs");
    }

    private static String fmtShares(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(k).append('=').append(String.format(Locale.ROOT, "%.2f", v)).append(' '));
        return b.toString().trim();
    }

    private static SimResult.ClassStats cls(SimResult r, String c) {
        return r.classes().getOrDefault(c, new SimResult.ClassStats(0, 0, 0, 0, 0, 0));
    }

    static String dur(double s) {
        if (s < 120) {
            return String.format(Locale.ROOT, "%.0fs", s);
        }
        if (s < 7200) {
            return String.format(Locale.ROOT, "%.1fm", s / 60);
        }
        if (s < 172_800) {
            return String.format(Locale.ROOT, "%.1fh", s / 3600);
        }
        return String.format(Locale.ROOT, "%.1fd", s / 86400);
    }

    static void appendResult(StringBuilder j, SimResult r) {
        j.append('"').append(r.policy()).append("\":{")
                .append(String.format(Locale.ROOT,
                        "\"utilization\":%.4f,\"utilizationAnyPending\":%.4f,\"overallUtilization\":%.4f,\"saturatedSeconds\":%.0f,\"backlogSeconds\":%.0f,\"spanSeconds\":%.0f,"
                                + "\"jain\":%.4f,\"preemptions\":%d,\"admissions\":%d,\"unschedulable\":%d,\"unfinished\":%d,"
                                + "\"maxWaitSeconds\":%.0f,\"cycles\":%d,\"schedulerSeconds\":%.3f,\"wallSeconds\":%.3f,"
                                + "\"admissionsPerSchedulerSecond\":%.0f,\"wastedGpuSeconds\":%.0f,\"goodput\":%.4f,"
                                + "\"usedGpuSeconds\":%.0f,\"wastedShare\":%.5f,\"preemptionsPerJob\":%.4f,"
                                + "\"mostPreemptionsOfOneJob\":%d,\"classes\":{",
                        r.utilization(), r.utilizationAnyPending(), r.overallUtilization(), r.saturatedSeconds(),
                        r.backlogSeconds(), r.spanSeconds(), r.jain(),
                        r.preemptions(), r.admissions(), r.unschedulable(), r.unfinished(), r.maxWait(), r.cycles(),
                        r.schedulerSeconds(), r.wallSeconds(), r.admissionsPerSchedulerSecond(), r.wastedGpuSeconds(),
                        r.goodput(), r.usedGpuSeconds(), r.wastedShare(), r.preemptionsPerJob(),
                        r.mostPreemptionsOfOneJob()));
        boolean f = true;
        for (Map.Entry<String, SimResult.ClassStats> e : r.classes().entrySet()) {
            SimResult.ClassStats c = e.getValue();
            j.append(f ? "" : ",").append('"').append(e.getKey()).append("\":")
                    .append(String.format(Locale.ROOT, "{\"jobs\":%d,\"meanWait\":%.1f,\"p95Wait\":%.1f,\"meanJct\":%.1f,"
                                    + "\"p95Jct\":%.1f,\"maxWait\":%d}", c.jobs(), c.meanWait(), c.p95Wait(), c.meanJct(),
                            c.p95Jct(), c.maxWait()));
            f = false;
        }
        j.append("},\"normalizedShares\":{");
        f = true;
        for (Map.Entry<String, Double> e : r.normalizedShares().entrySet()) {
            j.append(f ? "" : ",").append('"').append(e.getKey()).append("\":")
                    .append(String.format(Locale.ROOT, "%.4f", e.getValue()));
            f = false;
        }
        j.append("}}");
    }

    static Path resolve(String given, String file) {
        if (given != null) {
            return Path.of(given);
        }
        for (String dir : List.of("../shared/data/alibaba-gpu-v2023", "../../shared/data/alibaba-gpu-v2023",
                "data/alibaba-gpu-v2023", "/work/shared/data/alibaba-gpu-v2023")) {
            Path p = Path.of(dir, file);
            if (Files.exists(p)) {
                return p;
            }
        }
        return Path.of("../shared/data/alibaba-gpu-v2023", file);
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String k = args[i];
            if (!k.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + k);
            }
            k = k.substring(2);
            if (k.equals("help")) {
                System.out.println("see the javadoc of SimulatorMain / scheduler/README.md");
                System.exit(0);
            }
            if (k.equals("flat-priority") || k.equals("suite") || k.equals("with-static")
                    || k.equals("no-preemption")) {
                m.put(k, "true");
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for --" + k);
                }
                m.put(k, args[++i]);
            }
        }
        return m;
    }

    private static double[] parseWeights(String s) {
        String[] p = s.split(",");
        double[] w = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            w[i] = Double.parseDouble(p[i].trim());
        }
        return w;
    }

    static String esc(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
