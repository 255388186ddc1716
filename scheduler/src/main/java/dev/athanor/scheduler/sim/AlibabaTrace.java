package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Loads the Alibaba GPU cluster trace v2023 (github.com/alibaba/clusterdata, cluster-trace-gpu-v2023; Weng et al.,
 * "Beware of Fragmentation: Scheduling GPU-Sharing Workloads with Fragmentation Gradient Descent", USENIX ATC 2023).
 * <ul>
 *   <li>Nodes: one per row of the node CSV; flavor = the GPU model lower-cased; GPU count from the {@code gpu} column.
 *   {@code nodeFraction} keeps an evenly spread fraction of each model's nodes (1.0 = all): the full 6,212-GPU cluster
 *   holds every pod of the trace at once, so there is no backlog to schedule without shrinking it.</li>
 *   <li>Pods with {@code num_gpu = 0} are skipped (CPU-only; counted). A pod with a fractional {@code gpu_milli} is
 *   treated as 1 whole GPU (the core does not share GPUs; counted).</li>
 *   <li>Duration = deletion_time - scheduled_time, or - creation_time when never scheduled; rows without a positive
 *   duration are skipped (counted).</li>
 *   <li>Flavor: {@code gpu_spec} with exactly one model pins that flavor; empty or several models = any flavor.</li>
 *   <li>Team = FNV-1a hash of the pod name mod {@code teams} (deterministic).</li>
 *   <li>Priority from qos: BE = LOW, LS/Burstable = NORMAL, Guaranteed = HIGH (unless {@code flatPriority}).</li>
 *   <li>Arrival = creation_time / {@code compress} (durations are not compressed): compressing arrivals builds backlog.</li>
 *   <li>Reported estimate = the real duration (the trace has none; the simulator therefore knows exact ends).</li>
 * </ul>
 */
public final class AlibabaTrace {

    private static final List<String> TIME_COLUMNS = List.of("creation_time", "deletion_time", "scheduled_time");

    public record Stats(int rows, int cpuOnly, int fractional, int noDuration, int pinnedFlavor, int jobs) {
    }

    public record Loaded(Workload workload, Stats stats) {
    }

    private AlibabaTrace() {
    }

    public static Loaded load(Path pods, Path nodesCsv, int teams, double[] weights, double compress,
                              boolean flatPriority, double nodeFraction) throws IOException {
        List<Workload.NodeSpec> nodes = new ArrayList<>();
        Map<String, Integer> seenPerModel = new HashMap<>();
        try (Csv csv = Csv.open(nodesCsv, List.of("sn", "gpu", "model"))) {
            while (csv.next()) {
                Csv.Row c = csv.row();
                long gpus = c.number("gpu", 0);
                if (gpus <= 0) {
                    continue;
                }
                String model = c.text("model").toLowerCase(Locale.ROOT);
                if (model.isEmpty()) {
                    throw c.error("model", "empty GPU model on a node with " + gpus + " GPUs");
                }
                int i = seenPerModel.merge(model, 1, Integer::sum) - 1;
                // keep a deterministic, evenly spread fraction of each model's nodes (Bresenham): node i is kept when
                // floor((i + 1) * f) > floor(i * f); the first node of every model is always kept
                if (i > 0 && Math.floor((i + 1) * nodeFraction) <= Math.floor(i * nodeFraction)) {
                    continue;
                }
                nodes.add(new Workload.NodeSpec(c.text("sn"), model, (int) gpus));
            }
        }
        List<JobSpec> jobs = new ArrayList<>();
        int rows = 0, cpuOnly = 0, fractional = 0, noDuration = 0, pinned = 0;
        try (Csv csv = Csv.open(pods, List.of("name", "num_gpu", "gpu_milli", "gpu_spec", "qos"))) {
            for (String timeColumn : TIME_COLUMNS) {
                if (!csv.has(timeColumn)) {
                    throw new IllegalArgumentException(pods + ":1: missing column " + timeColumn + ": this looks like a "
                            + "packing-only variant of the trace (name, cpu_milli, memory_mib, num_gpu, gpu_milli); "
                            + "the replay needs creation_time, deletion_time and scheduled_time");
                }
            }
            while (csv.next()) {
                Csv.Row c = csv.row();
                rows++;
                String name = c.text("name");
                long numGpu = c.number("num_gpu", 0);
                if (numGpu <= 0) {
                    cpuOnly++;
                    continue;
                }
                long milli = c.number("gpu_milli", 1000);
                if (milli < 0 || milli > 1000) {
                    throw c.error("gpu_milli", "outside 0..1000: " + milli);
                }
                if (milli > 0 && milli < 1000) {
                    fractional++;
                }
                long created = c.number("creation_time", -1);
                long deleted = c.number("deletion_time", -1);
                long scheduled = c.number("scheduled_time", -1);
                long start = scheduled >= 0 ? scheduled : created;
                if (created < 0 || deleted < 0 || start < 0 || deleted - start <= 0) {
                    noDuration++;
                    continue;
                }
                long duration = deleted - start;
                String spec = c.text("gpu_spec");
                String flavor = null;
                if (!spec.isEmpty() && !spec.contains("|")) {
                    flavor = spec.toLowerCase(Locale.ROOT);
                    pinned++;
                }
                String qos = c.text("qos");
                Priority p = flatPriority ? Priority.NORMAL : switch (qos) {
                    case "BE" -> Priority.LOW;
                    case "Guaranteed" -> Priority.HIGH;
                    default -> Priority.NORMAL;
                };
                int team = (int) Long.remainderUnsigned(fnv1a(name), teams);
                long arrival = (long) Math.floor(created / compress);
                jobs.add(new JobSpec(name, team, 1, (int) numGpu, flavor, arrival, duration, duration, p, 0));
            }
        }
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException(nodesCsv + ": no node with a GPU");
        }
        List<String> teamNames = new ArrayList<>();
        for (int i = 0; i < teams; i++) {
            teamNames.add("team-" + i);
        }
        Stats st = new Stats(rows, cpuOnly, fractional, noDuration, pinned, jobs.size());
        String notes = String.format(Locale.ROOT,
                "alibaba-gpu-v2023: %d pod rows, %d GPU jobs used; skipped %d CPU-only and %d without a usable duration; "
                        + "%d fractional-GPU pods counted as 1 GPU; %d pinned to one GPU model; %d nodes; "
                        + "(fraction %.2f of each model's nodes); arrivals compressed x%.0f; teams = fnv1a(pod name) mod %d",
                rows, jobs.size(), cpuOnly, noDuration, fractional, pinned, nodes.size(), nodeFraction, compress, teams);
        return new Loaded(new Workload("alibaba", nodes, teamNames, weights, jobs, notes), st);
    }

    static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
