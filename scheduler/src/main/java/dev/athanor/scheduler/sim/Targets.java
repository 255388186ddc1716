package dev.athanor.scheduler.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The scheduling targets of the brief, checked on one workload for Athanor's policy against FIFO run on the same
 * workload in the same process. {@link #BRIEF} holds the numbers the project promises on every workload.
 */
public record Targets(double minGoodput, double maxWastedShare, double maxPreemptionsPerJob,
                      double maxSmallP95RatioVsFifo, double minJain, double maxLargeP95RatioVsFifo) {

    public static final Targets BRIEF = new Targets(0.9, 0.02, 0.1, 0.5, 0.9, 2.0);

    /** One target on one workload: its measured value, the limit and whether it was met. */
    public record Verdict(String workload, String target, double value, double limit, boolean met, String detail) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%s: %s %.3f (limit %s%.3f)%s: %s", workload, target, value,
                    target.startsWith("min") ? ">= " : "<= ", limit, detail.isEmpty() ? "" : " " + detail,
                    met ? "MET" : "NOT MET");
        }
    }

    public List<Verdict> check(String workload, SimResult athanor, SimResult fifo) {
        List<Verdict> out = new ArrayList<>();
        out.add(new Verdict(workload, "min goodput under backlog", athanor.goodput(), minGoodput,
                athanor.goodput() >= minGoodput, String.format(Locale.ROOT, "(utilization %.3f)", athanor.utilization())));
        out.add(new Verdict(workload, "max wasted share of used GPU-seconds", athanor.wastedShare(), maxWastedShare,
                athanor.wastedShare() <= maxWastedShare, ""));
        out.add(new Verdict(workload, "max preemptions per job", athanor.preemptionsPerJob(), maxPreemptionsPerJob,
                athanor.preemptionsPerJob() <= maxPreemptionsPerJob,
                String.format(Locale.ROOT, "(%d preemptions, at most %d of one job)", athanor.preemptions(),
                        athanor.mostPreemptionsOfOneJob())));
        double small = ratio(athanor.p95Wait("1"), fifo.p95Wait("1"));
        out.add(new Verdict(workload, "max 1-GPU p95 wait / FIFO's", small, maxSmallP95RatioVsFifo,
                small <= maxSmallP95RatioVsFifo, String.format(Locale.ROOT, "(%.0f s vs %.0f s)",
                athanor.p95Wait("1"), fifo.p95Wait("1"))));
        out.add(new Verdict(workload, "min Jain fairness", athanor.jain(), minJain, athanor.jain() >= minJain, ""));
        out.add(new Verdict(workload, "max jobs never started", athanor.unfinished(), 0, athanor.unfinished() == 0,
                String.format(Locale.ROOT, "(max wait %.0f s, FIFO %.0f s)", athanor.maxWait(), fifo.maxWait())));
        double large = ratio(athanor.p95Wait("8+"), fifo.p95Wait("8+"));
        out.add(new Verdict(workload, "max 8+-GPU p95 wait / FIFO's", large, maxLargeP95RatioVsFifo,
                large <= maxLargeP95RatioVsFifo, String.format(Locale.ROOT, "(%.0f s vs %.0f s)",
                athanor.p95Wait("8+"), fifo.p95Wait("8+"))));
        return out;
    }

    /** a / b, where a zero baseline counts as met when a is zero too and as far off otherwise. */
    private static double ratio(double a, double b) {
        if (b > 0) {
            return a / b;
        }
        return a > 0 ? Double.POSITIVE_INFINITY : 0;
    }
}
