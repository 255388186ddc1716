package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.SchedulerConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code ./athanor bench schedule --suite}: every policy on workload variants built from the provided trace and from
 * the synthetic generator ({@link WorkloadVariants}), a table per variant, a summary of the brief's targets
 * ({@link Targets#BRIEF}) per variant and one JSON line last. Variants of the {@code tuning} set are the ones the
 * policy may be tuned on; the {@code held-out} ones use seeds nobody tunes on and are reported separately.
 * {@code --variants a,b} runs only the named ones; {@code --with-static} adds static partitioning.
 */
public final class RobustnessSuite {

    /** One workload of the suite. */
    record Variant(String name, boolean heldOut, Supplier<Workload> build) {
    }

    /** The figures of one variant: Athanor first, then FIFO, then (optionally) static partitioning. */
    record Outcome(Variant variant, Workload workload, List<SimResult> results, List<Targets.Verdict> verdicts) {
        boolean allMet() {
            return verdicts.stream().allMatch(Targets.Verdict::met);
        }
    }

    private RobustnessSuite() {
    }

    static List<Variant> variants(Map<String, String> a) {
        double[] weights = SimulatorMain.weights(a);
        Supplier<Workload> trace = () -> {
            try {
                return AlibabaTrace.load(SimulatorMain.resolve(a.get("pods"), "openb_pod_list_default.csv"),
                        SimulatorMain.resolve(a.get("nodes"), "openb_node_list_gpu_node.csv"), weights.length, weights,
                        Double.parseDouble(a.getOrDefault("compress", "1000")), a.containsKey("flat-priority"),
                        Double.parseDouble(a.getOrDefault("node-fraction", "0.1"))).workload();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
        long days = Long.parseLong(a.getOrDefault("days", "2"));
        double load = Double.parseDouble(a.getOrDefault("load", "1.3"));
        java.util.function.LongFunction<Workload> synthetic = seed -> SyntheticWorkload.generate(seed,
                List.of("a100-80gb", "h200-141gb"), 32, 8, weights, load, days * 86_400);
        List<Variant> v = new ArrayList<>();
        v.add(new Variant("alibaba", false, trace));
        v.add(new Variant("alibaba-pinned33", false, () -> WorkloadVariants.pinned(trace.get(), 0.33, 1)));
        v.add(new Variant("alibaba-multigpu30", false, () -> WorkloadVariants.moreMultiGpu(trace.get(), 0.3, 2)));
        v.add(new Variant("alibaba-heavytail", false, () -> WorkloadVariants.heavyTail(trace.get(), 3)));
        v.add(new Variant("alibaba-bursty", false, () -> WorkloadVariants.bursty(trace.get(), 1800, 4)));
        v.add(new Variant("alibaba-skewed", false, () -> WorkloadVariants.skewedTeams(trace.get(), 5)));
        v.add(new Variant("synthetic", false, () -> synthetic.apply(42)));
        v.add(new Variant("synthetic-pinned60", false, () -> WorkloadVariants.pinned(synthetic.apply(42), 0.6, 6)));
        v.add(new Variant("synthetic-heavytail", false, () -> WorkloadVariants.heavyTail(synthetic.apply(42), 7)));
        v.add(new Variant("heldout-alibaba-pinned60", true, () -> WorkloadVariants.pinned(trace.get(), 0.6, 9001)));
        v.add(new Variant("heldout-synthetic-bursty", true,
                () -> WorkloadVariants.bursty(synthetic.apply(9002), 7200, 9003)));
        v.add(new Variant("heldout-synthetic-skewed-multigpu", true, () -> WorkloadVariants.skewedTeams(
                WorkloadVariants.moreMultiGpu(synthetic.apply(9004), 0.3, 9005), 9006)));
        return v;
    }

    static void run(Map<String, String> a) {
        List<Variant> all = variants(a);
        List<Variant> chosen = select(all, a.get("variants"));
        SchedulerConfig cfg = SimulatorMain.config(a);
        double guaranteed = SimulatorMain.guaranteed(a);
        Simulation.Options opt = SimulatorMain.options(a, cfg);
        List<Outcome> outcomes = new ArrayList<>();
        for (Variant v : chosen) {
            Workload w = v.build().get();
            List<Policy> policies = new ArrayList<>(List.of(Policy.athanor(cfg, guaranteed), Policy.fifo()));
            if (a.containsKey("with-static")) {
                policies.add(Policy.staticPartition(cfg));
            }
            List<SimResult> rs = new ArrayList<>();
            for (Policy p : policies) {
                rs.add(new Simulation(w, p, opt).run());
            }
            Outcome o = new Outcome(v, w, rs, Targets.BRIEF.check(v.name(), rs.get(0), rs.get(1)));
            outcomes.add(o);
            System.out.println();
            System.out.println("== " + v.name() + (v.heldOut() ? " (held out)" : "") + ": " + w.notes());
            SimulatorMain.printTable(rs);
            o.verdicts().stream().filter(x -> !x.met()).forEach(x -> System.out.println("  missed: " + x));
        }
        printSummary(outcomes, false);
        printSummary(outcomes, true);
        System.out.println(json(outcomes, cfg, guaranteed));
    }

    static List<Variant> select(List<Variant> all, String names) {
        if (names == null || names.isBlank()) {
            return all;
        }
        Map<String, Variant> byName = new LinkedHashMap<>();
        all.forEach(v -> byName.put(v.name(), v));
        List<Variant> out = new ArrayList<>();
        for (String n : names.split(",")) {
            Variant v = byName.get(n.trim());
            if (v == null) {
                throw new IllegalArgumentException("unknown variant \"" + n.trim() + "\"; known: "
                        + String.join(", ", byName.keySet()));
            }
            out.add(v);
        }
        return out;
    }

    private static void printSummary(List<Outcome> outcomes, boolean heldOut) {
        List<Outcome> rows = outcomes.stream().filter(o -> o.variant().heldOut() == heldOut).toList();
        if (rows.isEmpty()) {
            return;
        }
        System.out.println();
        System.out.println("== summary, " + (heldOut ? "held-out variants (never tuned on)" : "tuning variants")
                + " (athanor; ratios against FIFO on the same variant)");
        System.out.printf(Locale.ROOT, "%-34s %7s %7s %7s %7s %7s %6s %5s %7s %6s%n", "variant", "goodput", "util",
                "waste", "p/job", "w1/fifo", "jain", "never", "w8/fifo", "met");
        for (Outcome o : rows) {
            SimResult r = o.results().get(0);
            List<Targets.Verdict> v = o.verdicts();
            System.out.printf(Locale.ROOT, "%-34s %7.3f %7.3f %6.1f%% %7.3f %7.3f %6.3f %5d %7.3f %3d/%d%n",
                    o.variant().name(), r.goodput(), r.utilization(), 100 * r.wastedShare(), r.preemptionsPerJob(),
                    v.get(3).value(), r.jain(), r.unfinished(), v.get(6).value(),
                    v.stream().filter(Targets.Verdict::met).count(), v.size());
        }
    }

    private static String json(List<Outcome> outcomes, SchedulerConfig cfg, double guaranteed) {
        StringBuilder j = new StringBuilder("{\"benchmark\":\"scheduler-suite\",\"cores\":")
                .append(Runtime.getRuntime().availableProcessors())
                .append(String.format(Locale.ROOT, ",\"config\":{\"reservationAfterSeconds\":%d,\"minRuntimeSeconds\":%d,"
                                + "\"usageWeight\":%s,\"guaranteedFraction\":%s},\"variants\":{",
                        cfg.reservationAfter().toSeconds(), cfg.minRuntime().toSeconds(), cfg.usageWeight(), guaranteed));
        List<String> missed = new ArrayList<>();
        for (int i = 0; i < outcomes.size(); i++) {
            Outcome o = outcomes.get(i);
            j.append(i == 0 ? "" : ",").append('"').append(o.variant().name()).append("\":{\"set\":\"")
                    .append(o.variant().heldOut() ? "held-out" : "tuning").append("\",\"jobs\":")
                    .append(o.workload().jobs().size()).append(",\"gpus\":").append(o.workload().capacity())
                    .append(",\"allTargetsMet\":").append(o.allMet()).append(",\"policies\":{");
            for (int k = 0; k < o.results().size(); k++) {
                j.append(k == 0 ? "" : ",");
                SimulatorMain.appendResult(j, o.results().get(k));
            }
            j.append("}}");
            o.verdicts().stream().filter(v -> !v.met()).forEach(v -> missed.add(v.toString()));
        }
        j.append("},\"missed\":[");
        for (int i = 0; i < missed.size(); i++) {
            j.append(i == 0 ? "" : ",").append('"').append(SimulatorMain.esc(missed.get(i))).append('"');
        }
        return j.append("],\"all_targets_met\":").append(missed.isEmpty()).append('}').toString();
    }

}
