package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.Admission;
import dev.athanor.scheduler.Cohort;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingJob;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Baseline: jobs strictly in arrival order; the first job that does not fit blocks everyone behind it (head-of-line
 * blocking). Same best-fit placement as the core, so only the ordering differs.
 */
final class FifoPolicy implements Policy {

    public String name() {
        return "fifo";
    }

    public List<Team> teams(Workload w) {
        return w.teams(true, 1.0);
    }

    public List<Cohort> cohorts(Workload w) {
        return List.of();
    }

    public Decision decide(Snapshot s) {
        List<Node> nodes = new ArrayList<>(s.nodes());
        nodes.sort(Comparator.comparing(Node::flavor).thenComparing(Node::name));
        int[] free = new int[nodes.size()];
        for (int i = 0; i < free.length; i++) {
            free[i] = nodes.get(i).freeGpus();
        }
        List<PendingJob> q = new ArrayList<>(s.pending());
        q.sort(Comparator.comparing(PendingJob::createdAt).thenComparing(PendingJob::id));
        List<Admission> out = new ArrayList<>();
        for (PendingJob j : q) {
            int[] placed = null;
            String flavor = null;
            for (String f : flavorsOf(nodes, j)) {
                placed = place(nodes, free, f, j);
                if (placed != null) {
                    flavor = f;
                    break;
                }
            }
            if (placed == null) {
                break; // head-of-line blocking
            }
            List<String> names = new ArrayList<>();
            for (int n : placed) {
                names.add(nodes.get(n).name());
            }
            out.add(new Admission(j.id(), j.team(), flavor, names, false));
        }
        return new Decision(s.now(), out, List.of(), List.of(), List.of());
    }

    private static List<String> flavorsOf(List<Node> nodes, PendingJob j) {
        if (j.flavor() != null) {
            return List.of(j.flavor());
        }
        List<String> fs = new ArrayList<>();
        for (Node n : nodes) {
            if (fs.isEmpty() || !fs.get(fs.size() - 1).equals(n.flavor())) {
                fs.add(n.flavor());
            }
        }
        return fs;
    }

    private static int[] place(List<Node> nodes, int[] free, String flavor, PendingJob j) {
        int g = j.gpusPerWorker();
        int[] out = new int[j.workers()];
        for (int w = 0; w < out.length; w++) {
            int best = -1;
            for (int n = 0; n < free.length; n++) {
                if (nodes.get(n).flavor().equals(flavor) && free[n] >= g && (best < 0 || free[n] < free[best])) {
                    best = n;
                }
            }
            if (best < 0) {
                for (int k = 0; k < w; k++) {
                    free[out[k]] += g;
                }
                return null;
            }
            free[best] -= g;
            out[w] = best;
        }
        return out;
    }
}
