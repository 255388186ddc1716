package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.Admission;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.DecayedUsage;
import dev.athanor.scheduler.FairShare;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingInfo;
import dev.athanor.scheduler.PendingJob;
import dev.athanor.scheduler.PendingReason;
import dev.athanor.scheduler.Preemption;
import dev.athanor.scheduler.RunningJob;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Discrete-event replay of a workload through a policy in virtual time: arrivals, completions and scheduling cycles
 * every {@code cycleSeconds} (cycles are skipped while nothing can change, up to {@code maxIdleSeconds}). Admitted jobs
 * start at the cycle time; preempted jobs go back to the queue with their original arrival time and keep the work up
 * to their last checkpoint ({@link JobSpec#keptProgress}; jobs that never checkpoint restart from zero). The work
 * lost is wasted GPU time; goodput counts only the GPU time of work that was kept (completed, or saved at a
 * checkpoint before a preemption).
 */
public final class Simulation {

    public record Options(long cycleSeconds, long maxIdleSeconds, Duration usageHalfLife) {
        public static Options defaults() {
            return new Options(10, 300, Duration.ofDays(7));
        }
    }

    record Completion(long end, Job job, long start) {
    }

    /** Mutable per-run state of a job. */
    static final class Job {
        final JobSpec spec;
        final PendingJob pending;
        long remaining;
        long firstStart = -1;
        long lastStart;
        long end = -1;
        int[] nodes;
        RunningJob running;
        int preemptions;
        boolean isPending, isRunning, dropped;

        Job(JobSpec spec, List<String> teamNames) {
            this.spec = spec;
            this.remaining = spec.duration();
            this.pending = new PendingJob(spec.id(), teamNames.get(spec.team()), spec.priority(), spec.workers(),
                    spec.gpusPerWorker(), spec.flavor(), Instant.ofEpochSecond(spec.arrival()), 0, 0,
                    Duration.ofSeconds(spec.estimate()));
        }
    }

    static final boolean PROGRESS = Boolean.getBoolean("athanor.sim.progress");
    private final Workload w;
    private final Policy policy;
    private final Options opt;

    public Simulation(Workload w, Policy policy, Options opt) {
        this.w = w;
        this.policy = policy;
        this.opt = opt;
    }

    public SimResult run() {
        long wallStart = System.nanoTime();
        List<Workload.NodeSpec> nodeSpecs = w.nodes();
        int nN = nodeSpecs.size();
        Map<String, Integer> nodeIdx = new HashMap<>();
        int[] free = new int[nN];
        for (int i = 0; i < nN; i++) {
            nodeIdx.put(nodeSpecs.get(i).name(), i);
            free[i] = nodeSpecs.get(i).gpus();
        }
        List<Team> baseTeams = policy.teams(w);
        int nT = baseTeams.size();
        DecayedUsage[] usage = new DecayedUsage[nT];
        Arrays.fill(usage, DecayedUsage.ZERO);
        Map<String, Integer> teamIdx = new HashMap<>();
        for (int t = 0; t < nT; t++) {
            teamIdx.put(baseTeams.get(t).name(), t);
        }
        double[] weights = w.weights();
        long capacity = w.capacity();

        List<Job> jobs = new ArrayList<>();
        for (JobSpec js : w.jobs()) {
            jobs.add(new Job(js, w.teamNames()));
        }
        jobs.sort(Comparator.comparingLong((Job j) -> j.spec.arrival()).thenComparing(j -> j.spec.id()));
        Map<String, Job> byId = new HashMap<>();
        for (Job j : jobs) {
            byId.put(j.spec.id(), j);
        }
        PriorityQueue<Completion> completions = new PriorityQueue<>(
                Comparator.comparingLong(Completion::end).thenComparing(c -> c.job().spec.id()));
        LinkedHashMap<String, Job> pending = new LinkedHashMap<>();
        LinkedHashMap<String, Job> running = new LinkedHashMap<>();
        long[] teamAlloc = new long[nT];
        long[] teamPendingGpus = new long[nT];
        double[] fair = new double[nT];

        Acc acc = new Acc(nT);
        Map<String, Integer> preemptReasons = new TreeMap<>();
        int ai = 0;
        long t = jobs.isEmpty() ? 0 : jobs.get(0).spec.arrival();
        long lastT = t;
        long busy = 0;
        long lastCycle = t;
        long preemptions = 0, admissions = 0, cycles = 0, schedNanos = 0, unschedulable = 0;
        long lastUsageT = t;
        while (true) {
            // completions up to t, each at its own time (area accounted piecewise)
            while (!completions.isEmpty() && completions.peek().end() <= t) {
                Completion cp = completions.poll();
                Job c = cp.job();
                if (!c.isRunning || c.lastStart != cp.start()) {
                    continue; // stale: the job was preempted after this completion was planned
                }
                acc.advance(c.end, lastT, busy, teamAlloc, fair, !pending.isEmpty(), sum(teamPendingGpus) >= capacity - busy);
                lastT = c.end;
                c.isRunning = false;
                running.remove(c.spec.id());
                for (int n : c.nodes) {
                    free[n] += c.spec.gpusPerWorker();
                }
                busy -= c.spec.gpus();
                teamAlloc[c.spec.team()] -= c.spec.gpus();
                acc.useful(c.lastStart, c.end, c.spec.gpus());
                acc.finished(c);
            }
            acc.advance(t, lastT, busy, teamAlloc, fair, !pending.isEmpty(), sum(teamPendingGpus) >= capacity - busy);
            lastT = t;
            while (ai < jobs.size() && jobs.get(ai).spec.arrival() <= t) {
                Job j = jobs.get(ai++);
                j.isPending = true;
                pending.put(j.spec.id(), j);
                teamPendingGpus[j.spec.team()] += j.spec.gpus();
            }
            if (pending.isEmpty() && running.isEmpty() && ai >= jobs.size()) {
                break;
            }
            boolean changed = false;
            if (!pending.isEmpty()) {
                // decayed usage accrues with the allocation held since the previous cycle
                Instant nowI = Instant.ofEpochSecond(t);
                List<Team> teams = new ArrayList<>(nT);
                for (int i = 0; i < nT; i++) {
                    usage[i] = usage[i].accrue(teamAlloc[i], nowI, opt.usageHalfLife());
                    teams.add(baseTeams.get(i).withUsage(usage[i]));
                }
                lastUsageT = t;
                List<Node> nodes = new ArrayList<>(nN);
                for (int i = 0; i < nN; i++) {
                    Workload.NodeSpec ns = nodeSpecs.get(i);
                    nodes.add(Node.of(ns.name(), ns.flavor(), ns.gpus(), free[i]));
                }
                List<RunningJob> runList = new ArrayList<>(running.size());
                for (Job r : running.values()) {
                    runList.add(asOf(r, t));
                }
                List<PendingJob> pendList = new ArrayList<>(pending.size());
                for (Job p : pending.values()) {
                    pendList.add(p.pending);
                }
                Snapshot snap = new Snapshot(nowI, nodes, teams, policy.cohorts(w), runList, pendList);
                long s0 = System.nanoTime();
                Decision d = policy.decide(snap);
                schedNanos += System.nanoTime() - s0;
                cycles++;
                if (PROGRESS && cycles % 500 == 0) {
                    System.err.printf("[%s] t=%d cycles=%d pending=%d running=%d busy=%d preempted=%d %s admitted=%d sched=%.1fs%n",
                            policy.name(), t, cycles, pending.size(), running.size(), busy, preemptions, preemptReasons,
                            admissions, schedNanos / 1e9);
                }
                for (Preemption p : d.preemptions()) {
                    Job v = running.remove(p.victimJobId());
                    if (v == null) {
                        continue;
                    }
                    changed = true;
                    preemptions++;
                    if (PROGRESS) {
                        preemptReasons.merge(p.reason() + (p.reason().name().equals("PRIORITY") ? "" : ""), 1, Integer::sum);
                        if (preemptions % 2000 == 0) {
                            System.err.println("  preemption sample: " + p + " victim prio " + v.spec.priority());
                        }
                    }
                    v.isRunning = false;
                    for (int n : v.nodes) {
                        free[n] += v.spec.gpusPerWorker();
                    }
                    busy -= v.spec.gpus();
                    teamAlloc[v.spec.team()] -= v.spec.gpus();
                    long ran = t - v.lastStart;
                    long kept = Math.min(v.spec.keptProgress(ran), v.remaining - 1);
                    v.remaining -= kept;
                    v.preemptions++;
                    acc.useful(v.lastStart, v.lastStart + kept, v.spec.gpus());
                    acc.wasted((ran - kept) * v.spec.gpus());
                    v.isPending = true;
                    pending.put(v.spec.id(), v);
                    teamPendingGpus[v.spec.team()] += v.spec.gpus();
                }
                for (Admission a : d.admissions()) {
                    Job j = pending.remove(a.jobId());
                    if (j == null) {
                        throw new IllegalStateException("admitted unknown job " + a.jobId());
                    }
                    changed = true;
                    admissions++;
                    j.isPending = false;
                    j.isRunning = true;
                    teamPendingGpus[j.spec.team()] -= j.spec.gpus();
                    j.nodes = new int[a.workerNodes().size()];
                    for (int k = 0; k < j.nodes.length; k++) {
                        int n = nodeIdx.get(a.workerNodes().get(k));
                        j.nodes[k] = n;
                        free[n] -= j.spec.gpusPerWorker();
                        if (free[n] < 0) {
                            throw new IllegalStateException("over-committed node " + a.workerNodes().get(k));
                        }
                    }
                    if (j.firstStart < 0) {
                        j.firstStart = t;
                    }
                    j.lastStart = t;
                    j.end = t + j.remaining;
                    long expectedEnd = t + (long) Math.ceil(j.remaining * (double) j.spec.estimate() / j.spec.duration());
                    j.running = new RunningJob(j.spec.id(), j.pending.team(), j.spec.priority(),
                            j.spec.gpusPerWorker(), a.flavor(), a.workerNodes(), Instant.ofEpochSecond(t),
                            Instant.ofEpochSecond(expectedEnd), j.spec.checkpointable(), 0, 0, null,
                            j.preemptions);
                    running.put(j.spec.id(), j);
                    completions.add(new Completion(j.end, j, t));
                    busy += j.spec.gpus();
                    teamAlloc[j.spec.team()] += j.spec.gpus();
                }
                for (PendingInfo pi : d.pending()) {
                    if (pi.reason() == PendingReason.UNSCHEDULABLE) {
                        Job j = pending.remove(pi.jobId());
                        if (j != null) {
                            j.isPending = false;
                            j.dropped = true;
                            unschedulable++;
                            teamPendingGpus[j.spec.team()] -= j.spec.gpus();
                            acc.unschedulable(j, pi.message());
                        }
                    }
                }
                waterFill(weights, teamAlloc, teamPendingGpus, capacity, fair);
                lastCycle = t;
            } else {
                Arrays.fill(fair, 0);
            }
            long nextArrival = ai < jobs.size() ? jobs.get(ai).spec.arrival() : Long.MAX_VALUE;
            long nextCompletion = completions.isEmpty() ? Long.MAX_VALUE : completions.peek().end();
            long nextEvent = Math.min(nextArrival, nextCompletion);
            if (nextEvent == Long.MAX_VALUE && pending.isEmpty()) {
                break;
            }
            long next;
            if (pending.isEmpty()) {
                next = nextEvent;
            } else if (changed) {
                next = t + opt.cycleSeconds();
            } else {
                next = Math.max(t + opt.cycleSeconds(), Math.min(nextEvent, t + opt.maxIdleSeconds()));
            }
            // align to the cycle grid
            long c = opt.cycleSeconds();
            next = ((next + c - 1) / c) * c;
            if (next <= t) {
                next = t + c;
            }
            t = next;
        }
        long wallNanos = System.nanoTime() - wallStart;
        return acc.result(policy.name(), w, capacity, jobs, preemptions, admissions, cycles, schedNanos, wallNanos,
                unschedulable);
    }

    /**
     * The job as the core sees it at {@code t}: with its last checkpoint of this run (checkpoints fall every
     * {@code checkpointSeconds} of running since its start), as a worker reports its saved checkpoints.
     */
    private static RunningJob asOf(Job j, long t) {
        long kept = j.spec.keptProgress(t - j.lastStart);
        return kept > 0 ? j.running.withHistory(Instant.ofEpochSecond(j.lastStart + kept), j.preemptions) : j.running;
    }

    private static long sum(long[] xs) {
        long s = 0;
        for (long x : xs) {
            s += x;
        }
        return s;
    }

    /** Weighted max-min fair allocation of capacity given each team's demand (running + pending GPUs). */
    static void waterFill(double[] weights, long[] alloc, long[] pendingGpus, long capacity, double[] out) {
        int n = weights.length;
        double[] demand = new double[n];
        boolean[] done = new boolean[n];
        for (int i = 0; i < n; i++) {
            demand[i] = alloc[i] + pendingGpus[i];
            out[i] = 0;
        }
        double left = capacity;
        while (left > 1e-9) {
            double wsum = 0;
            for (int i = 0; i < n; i++) {
                if (!done[i]) {
                    wsum += weights[i];
                }
            }
            if (wsum == 0) {
                break;
            }
            boolean capped = false;
            for (int i = 0; i < n; i++) {
                if (!done[i] && demand[i] - out[i] <= left * weights[i] / wsum) {
                    left -= demand[i] - out[i];
                    out[i] = demand[i];
                    done[i] = true;
                    capped = true;
                }
            }
            if (!capped) {
                for (int i = 0; i < n; i++) {
                    if (!done[i]) {
                        out[i] += left * weights[i] / wsum;
                    }
                }
                left = 0;
            }
        }
    }

    /** Accumulators for the figures. */
    static final class Acc {
        final double[] allocArea, fairArea;
        double busyArea, backlogBusyArea, backlogTime, wastedGpuSeconds, satBusyArea, satTime;
        long first = -1, last;
        final Map<String, List<Long>> waits = new TreeMap<>(), jcts = new TreeMap<>();
        final Map<String, Long> maxWait = new TreeMap<>();
        final List<String> unschedulableSamples = new ArrayList<>();
        /** Saturated windows [start, end), in time order and merged; segments of kept work (start, end, GPUs). */
        final LongList satWindows = new LongList(), usefulSegments = new LongList();

        Acc(int teams) {
            allocArea = new double[teams];
            fairArea = new double[teams];
        }

        void advance(long to, long from, long busy, long[] alloc, double[] fair, boolean backlog, boolean saturated) {
            if (first < 0) {
                first = from;
            }
            if (to <= from) {
                return;
            }
            double dt = to - from;
            busyArea += busy * dt;
            last = to;
            if (backlog && saturated) {
                satBusyArea += busy * dt;
                satTime += dt;
                int n = satWindows.size();
                if (n > 0 && satWindows.get(n - 1) == from) {
                    satWindows.set(n - 1, to);
                } else {
                    satWindows.add(from);
                    satWindows.add(to);
                }
            }
            if (backlog) {
                backlogBusyArea += busy * dt;
                backlogTime += dt;
                for (int i = 0; i < alloc.length; i++) {
                    allocArea[i] += alloc[i] * dt;
                    fairArea[i] += fair[i] * dt;
                }
            }
        }

        void finished(Job j) {
            String c = j.spec.sizeClass();
            long wait = j.firstStart - j.spec.arrival();
            waits.computeIfAbsent(c, k -> new ArrayList<>()).add(wait);
            jcts.computeIfAbsent(c, k -> new ArrayList<>()).add(j.end - j.spec.arrival());
            maxWait.merge(c, wait, Math::max);
        }

        void wasted(long gpuSeconds) {
            wastedGpuSeconds += gpuSeconds;
        }

        void useful(long start, long end, long gpus) {
            if (end > start) {
                usefulSegments.add(start);
                usefulSegments.add(end);
                usefulSegments.add(gpus);
            }
        }

        /** GPU-seconds of kept work that fell inside saturated windows (a sweep over both, each sorted by time). */
        double usefulWhileSaturated() {
            int segs = usefulSegments.size() / 3;
            long[] times = new long[2 * segs];
            long[] deltas = new long[2 * segs];
            Integer[] order = new Integer[2 * segs];
            for (int i = 0; i < segs; i++) {
                times[2 * i] = usefulSegments.get(3 * i);
                times[2 * i + 1] = usefulSegments.get(3 * i + 1);
                deltas[2 * i] = usefulSegments.get(3 * i + 2);
                deltas[2 * i + 1] = -usefulSegments.get(3 * i + 2);
            }
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingLong(i -> times[i]));
            double area = 0;
            long level = 0;
            int w = 0;
            for (int k = 0; k < order.length; k++) {
                long from = times[order[k]];
                level += deltas[order[k]];
                long to = k + 1 < order.length ? times[order[k + 1]] : from;
                while (w < satWindows.size() && satWindows.get(w + 1) <= from) {
                    w += 2;
                }
                for (int x = w; x < satWindows.size() && satWindows.get(x) < to; x += 2) {
                    long overlap = Math.min(to, satWindows.get(x + 1)) - Math.max(from, satWindows.get(x));
                    if (overlap > 0) {
                        area += (double) level * overlap;
                    }
                }
            }
            return area;
        }

        void unschedulable(Job j, String why) {
            if (unschedulableSamples.size() < 3) {
                unschedulableSamples.add(j.spec.id() + ": " + why);
            }
        }

        SimResult result(String policy, Workload w, long capacity, List<Job> jobs, long preemptions, long admissions,
                         long cycles, long schedNanos, long wallNanos, long unschedulable) {
            Map<String, SimResult.ClassStats> classes = new TreeMap<>();
            for (String c : waits.keySet()) {
                List<Long> ws = waits.get(c), js = jcts.get(c);
                classes.put(c, new SimResult.ClassStats(ws.size(), mean(ws), pct(ws, 0.95), mean(js), pct(js, 0.95),
                        maxWait.get(c)));
            }
            int n = allocArea.length;
            List<Double> xs = new ArrayList<>();
            Map<String, Double> normalized = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                if (fairArea[i] > 0) {
                    double x = allocArea[i] / fairArea[i];
                    xs.add(x);
                    normalized.put(w.teamNames().get(i), x);
                }
            }
            double jain = FairShare.jain(xs.stream().mapToDouble(Double::doubleValue).toArray());
            long unfinished = 0;
            for (Job j : jobs) {
                if (!j.dropped && j.end < 0) {
                    unfinished++;
                }
            }
            double util = backlogTime > 0 ? backlogBusyArea / (capacity * backlogTime) : 0;
            double sat = satTime > 0 ? satBusyArea / (capacity * satTime) : 0;
            double span = Math.max(1, last - first);
            double goodput = satTime > 0 ? usefulWhileSaturated() / (capacity * satTime) : 0;
            int mostPreempted = 0;
            for (Job j : jobs) {
                mostPreempted = Math.max(mostPreempted, j.preemptions);
            }
            return new SimResult(policy, jobs.size(), admissions, preemptions, unschedulable, unfinished, sat, util,
                    busyArea / (capacity * span), satTime, backlogTime, span, jain, normalized, classes, cycles,
                    schedNanos / 1e9, wallNanos / 1e9, admissions / Math.max(1e-9, schedNanos / 1e9),
                    wastedGpuSeconds, List.copyOf(unschedulableSamples), waitsById(jobs), goodput, busyArea,
                    mostPreempted);
        }

        static Map<String, Long> waitsById(List<Job> jobs) {
            Map<String, Long> m = new HashMap<>();
            for (Job j : jobs) {
                m.put(j.spec.id(), j.firstStart < 0 ? -1 : j.firstStart - j.spec.arrival());
            }
            return m;
        }

        static double mean(List<Long> xs) {
            double s = 0;
            for (long x : xs) {
                s += x;
            }
            return xs.isEmpty() ? 0 : s / xs.size();
        }

        static double pct(List<Long> xs, double p) {
            if (xs.isEmpty()) {
                return 0;
            }
            long[] a = xs.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(a);
            int i = (int) Math.ceil(p * a.length) - 1;
            return a[Math.max(0, Math.min(a.length - 1, i))];
        }
    }
}
