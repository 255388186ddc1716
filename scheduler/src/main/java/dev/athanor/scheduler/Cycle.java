package dev.athanor.scheduler;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One scheduling cycle over a snapshot. Everything is turned into dense int/long arrays first (teams, flavors and nodes
 * sorted by name, pending jobs renumbered in queue order), so the cycle is deterministic and never scans pending x nodes:
 * <ol>
 *   <li>per-team queues sorted by (priority, creation, id); a heap over team heads orders teams by
 *   (within-nominal, priority, weighted share, creation) and is updated after each admission;</li>
 *   <li>each visited job: quota check O(1) (cohort pool arithmetic), capacity check O(1) (per-flavor free totals and the
 *   largest free block), best-fit gang placement through bucketed free-GPU indexes;</li>
 *   <li>jobs that waited past the bound and do not fit get nodes reserved (held GPUs); others may backfill only if they
 *   end before the reservation starts;</li>
 *   <li>bounded preemption searches (reclaim, in-team priority), gang-aware, minimal;</li>
 *   <li>visibility: positions, reasons, start estimates by a fluid simulation of releases (O(n log n)).</li>
 * </ol>
 */
final class Cycle {
    private static final String ANY = "*";
    private static final long NEVER = Long.MAX_VALUE;

    private final SchedulerConfig cfg;
    private final Snapshot s;
    private final long now;
    private final long reserveAfterMs;
    private final long minRuntimeMs;
    private final long reclaimAfterMs;

    // flavors
    private final int F;
    private final String[] flavorName;
    private final Map<String, Integer> flavorIdx = new HashMap<>();
    private final int[] fFrom, fTo; // node range per flavor (nodes sorted by flavor, name)
    private final long[] cap;
    private long capTotal;
    private final int[] maxNodeGpus;
    private final double[] maxNodeCpu;
    private final long[] maxNodeMem;
    private final FreeIndex[] index;
    private final long[] startTotal;
    private final int[] startMax;
    private final long[] consumed;
    private final int[] maxAdmittedPrio;
    private final long[] heldTotal;
    private final int[] reservationsOn;
    private final long[][] slotsEverCache;

    // nodes
    private final int N;
    private final Node[] node;
    private final Map<String, Integer> nodeIdx;
    private final int[] nodeFlavor, nodeGpus, avail, held;
    private final double[] freeCpu;
    private final long[] freeMem;

    // teams, cohorts
    private final int T;
    private final Team[] team;
    private final Map<String, Integer> teamIdx;
    private final double[] weight, hist, dom, score;
    private final int[] teamCohort;
    private final long[] nominal, borrowLim, guaranteed, usage;
    private final int C;
    private final long[][] pool, poolUsed;

    // running
    private final int R;
    private final RunningJob[] run;
    private final int[] runTeam, runFlavor, runPrio;
    private final int[][] runNodes;
    private final long[] runStart, runEnd;
    private final boolean[] victim;
    private final int[][] nodeRuns;

    // pending
    private final int P;
    private final PendingJob[] pj;
    private final String[] pjId;
    private final int[] pjTeam, pjFlavor, pjPrio;
    private final long[] pjCreated;
    private final long[] pjReq;
    private final int[] pjG, pjW;
    private final double[] pjCpu0; // per worker, in snapshot order (read through srcOf: only placements need them)
    private final long[] pjMem0;
    private final boolean[] pjHasDur;
    private final long[] pjDur;
    private final int[] srcOf; // job index -> index in the snapshot's list (pj is in snapshot order)
    private final boolean[] pjCpuMemZero;
    private final boolean[] starving, admitted;
    private final PendingReason[] reason;
    private final String[] message;
    private final int[] order; // per-team sorted job indices
    private final int[] teamFrom, teamTo, teamHead;
    private final int[] visit;
    private int visited;

    // outputs
    private final List<Admission> admissions = new ArrayList<>();
    private final List<Preemption> preemptions = new ArrayList<>();
    private final List<Reservation> reservations = new ArrayList<>();
    /** A reservation: GPUs held on nodes of one flavor for one starving job. */
    private static final class Res {
        final int job, f, prio;
        final long start;
        final int[] rn; // node, held amount pairs
        final List<String> names;

        Res(int job, int f, int prio, long start, int[] rn, List<String> names) {
            this.job = job;
            this.f = f;
            this.prio = prio;
            this.start = start;
            this.rn = rn;
            this.names = names;
        }
    }

    private final List<Res> resList = new ArrayList<>();
    private Res[] resOf;
    private final long[] admittedEnd; // expected end of jobs admitted this cycle (NEVER if unknown)
    private final int[] admittedFlavor;
    private int preemptAttempts;
    private final String[][] quotaMsg;
    private final String[] capacityMsg;
    private final long[] capacityMsgTotal;
    private final String[] priorityMsg, fairnessMsg, reservedMsg; // built once per distinct content
    private final long[] reservedMsgHeld;
    private String admissionCapMsg;

    Cycle(SchedulerConfig cfg, Snapshot s) {
        this.cfg = cfg;
        this.s = s;
        this.now = s.now().toEpochMilli();
        this.reserveAfterMs = cfg.reservationAfter().toMillis();
        this.minRuntimeMs = cfg.minRuntime().toMillis();
        this.reclaimAfterMs = cfg.reclaimAfter().toMillis();

        // ---- flavors and nodes
        TreeSet<String> flavors = new TreeSet<>();
        for (Node n : s.nodes()) {
            flavors.add(n.flavor());
        }
        F = flavors.size();
        flavorName = flavors.toArray(new String[0]);
        for (int f = 0; f < F; f++) {
            flavorIdx.put(flavorName[f], f);
        }
        node = s.nodes().toArray(new Node[0]);
        Arrays.sort(node, (a, b) -> {
            int c = a.flavor().compareTo(b.flavor());
            return c != 0 ? c : a.name().compareTo(b.name());
        });
        N = node.length;
        nodeIdx = new HashMap<>(N * 2);
        nodeFlavor = new int[N];
        nodeGpus = new int[N];
        avail = new int[N];
        held = new int[N];
        freeCpu = new double[N];
        freeMem = new long[N];
        fFrom = new int[F];
        fTo = new int[F];
        cap = new long[F];
        maxNodeGpus = new int[F];
        maxNodeCpu = new double[F];
        maxNodeMem = new long[F];
        Arrays.fill(fFrom, -1);
        for (int n = 0; n < N; n++) {
            Node x = node[n];
            if (nodeIdx.put(x.name(), n) != null) {
                throw new IllegalArgumentException("duplicate node name " + x.name());
            }
            int f = flavorIdx.get(x.flavor());
            nodeFlavor[n] = f;
            nodeGpus[n] = x.gpus();
            avail[n] = x.freeGpus();
            freeCpu[n] = x.freeCpu();
            freeMem[n] = x.freeMemoryBytes();
            if (fFrom[f] < 0) {
                fFrom[f] = n;
            }
            fTo[f] = n + 1;
            cap[f] += x.gpus();
            capTotal += x.gpus();
            maxNodeGpus[f] = Math.max(maxNodeGpus[f], x.gpus());
            maxNodeCpu[f] = Math.max(maxNodeCpu[f], x.cpu());
            maxNodeMem[f] = Math.max(maxNodeMem[f], x.memoryBytes());
        }
        slotsEverCache = new long[F][];
        for (int f = 0; f < F; f++) {
            slotsEverCache[f] = new long[maxNodeGpus[f] + 1];
        }
        index = new FreeIndex[F];
        startTotal = new long[F];
        startMax = new int[F];
        for (int f = 0; f < F; f++) {
            index[f] = new FreeIndex(avail, fFrom[f], fTo[f], maxNodeGpus[f]);
            startTotal[f] = index[f].total;
            startMax[f] = index[f].maxAvail();
        }
        consumed = new long[F];
        maxAdmittedPrio = new int[F];
        Arrays.fill(maxAdmittedPrio, -1);
        heldTotal = new long[F];
        reservationsOn = new int[F];
        capacityMsg = new String[F];
        capacityMsgTotal = new long[F];
        priorityMsg = new String[F];
        fairnessMsg = new String[F];
        reservedMsg = new String[2 * F];
        reservedMsgHeld = new long[2 * F];

        // ---- teams and cohorts
        team = s.teams().toArray(new Team[0]);
        Arrays.sort(team, (a, b) -> a.name().compareTo(b.name()));
        T = team.length;
        teamIdx = new HashMap<>(T * 2);
        weight = new double[T];
        hist = new double[T];
        dom = new double[T];
        score = new double[T];
        teamCohort = new int[T];
        nominal = new long[T * F];
        borrowLim = new long[T * F];
        guaranteed = new long[T * F];
        usage = new long[T * F];
        quotaMsg = new String[T][];
        Map<String, Integer> cohortIdx = new HashMap<>();
        TreeSet<String> cohortNames = new TreeSet<>();
        for (Team t : team) {
            if (t.cohort() != null) {
                cohortNames.add(t.cohort());
            }
        }
        for (String c : cohortNames) {
            cohortIdx.put(c, cohortIdx.size());
        }
        int nextCohort = cohortIdx.size();
        for (int t = 0; t < T; t++) {
            Team x = team[t];
            if (teamIdx.put(x.name(), t) != null) {
                throw new IllegalArgumentException("duplicate team " + x.name());
            }
            weight[t] = x.weight();
            teamCohort[t] = x.cohort() == null ? nextCohort++ : cohortIdx.get(x.cohort());
            hist[t] = FairShare.historical(x.usage(), s.now(), cfg.usageHalfLife(), capTotal);
            for (int f = 0; f < F; f++) {
                FlavorQuota q = x.quota(flavorName[f]);
                nominal[t * F + f] = q.nominal();
                borrowLim[t * F + f] = q.borrowingLimit() == FlavorQuota.UNLIMITED ? Long.MAX_VALUE / 4 : q.borrowingLimit();
                guaranteed[t * F + f] = q.guaranteed();
            }
        }
        C = nextCohort;
        pool = new long[C][F];
        poolUsed = new long[C][F];
        for (int t = 0; t < T; t++) {
            for (int f = 0; f < F; f++) {
                pool[teamCohort[t]][f] += nominal[t * F + f] - guaranteed[t * F + f];
            }
        }
        for (Cohort c : s.cohorts()) {
            Integer ci = cohortIdx.get(c.name());
            if (ci == null) {
                continue;
            }
            for (Map.Entry<String, Integer> e : c.sharedQuota().entrySet()) {
                Integer f = flavorIdx.get(e.getKey());
                if (f != null) {
                    pool[ci][f] += e.getValue();
                }
            }
        }

        // ---- running jobs
        run = s.running().toArray(new RunningJob[0]);
        Arrays.sort(run, (a, b) -> a.id().compareTo(b.id()));
        R = run.length;
        runTeam = new int[R];
        runFlavor = new int[R];
        runPrio = new int[R];
        runNodes = new int[R][];
        runStart = new long[R];
        runEnd = new long[R];
        victim = new boolean[R];
        int[] perNode = new int[N];
        for (int r = 0; r < R; r++) {
            RunningJob x = run[r];
            Integer t = teamIdx.get(x.team());
            Integer f = flavorIdx.get(x.flavor());
            runTeam[r] = t == null ? -1 : t;
            runFlavor[r] = f == null ? -1 : f;
            runPrio[r] = x.priority().weight();
            runStart[r] = x.startedAt().toEpochMilli();
            runEnd[r] = x.expectedEnd() == null ? NEVER : x.expectedEnd().toEpochMilli();
            int[] ns = new int[x.workers()];
            for (int w = 0; w < ns.length; w++) {
                Integer n = nodeIdx.get(x.workerNodes().get(w));
                ns[w] = n == null ? -1 : n;
                if (n != null) {
                    perNode[n]++;
                }
            }
            runNodes[r] = ns;
            if (t != null && f != null) {
                usage[t * F + f] += x.totalGpus();
            }
        }
        nodeRuns = new int[N][];
        for (int n = 0; n < N; n++) {
            nodeRuns[n] = new int[perNode[n]];
            perNode[n] = 0;
        }
        for (int r = 0; r < R; r++) {
            for (int n : runNodes[r]) {
                if (n >= 0 && (perNode[n] == 0 || nodeRuns[n][perNode[n] - 1] != r)) {
                    nodeRuns[n][perNode[n]++] = r;
                }
            }
        }
        for (int n = 0; n < N; n++) {
            if (perNode[n] != nodeRuns[n].length) {
                nodeRuns[n] = Arrays.copyOf(nodeRuns[n], perNode[n]);
            }
        }
        minRunPrio = new int[T][F];
        for (int[] row : minRunPrio) {
            Arrays.fill(row, Integer.MAX_VALUE);
        }
        for (int r = 0; r < R; r++) {
            if (runTeam[r] >= 0 && runFlavor[r] >= 0) {
                minRunPrio[runTeam[r]][runFlavor[r]] = Math.min(minRunPrio[runTeam[r]][runFlavor[r]], runPrio[r]);
            }
        }
        cohortBorrowed = new long[C][F];
        for (int t = 0; t < T; t++) {
            for (int f = 0; f < F; f++) {
                cohortBorrowed[teamCohort[t]][f] += Math.max(0, usage[t * F + f] - nominal[t * F + f]);
                poolUsed[teamCohort[t]][f] += Math.max(0, usage[t * F + f] - guaranteed[t * F + f]);
                if (cap[f] > 0) {
                    dom[t] = Math.max(dom[t], usage[t * F + f] / (double) cap[f]);
                }
            }
            score[t] = FairShare.score(dom[t], hist[t], cfg.usageWeight(), weight[t]);
        }

        // ---- pending jobs, grouped per team. Jobs are renumbered in queue order (team, then priority desc, creation,
        // id), so a team's queue is contiguous in every per-job array and the main loop walks memory sequentially.
        PendingJob[] src = s.pending().toArray(new PendingJob[0]);
        P = src.length;
        // one sequential pass over the snapshot's records; fields go to arrays in snapshot order, permuted below
        String[] id0 = new String[P];
        int[] team0 = new int[P];
        int[] prio0 = new int[P];
        long[] created0 = new long[P];
        int[] flavor0 = new int[P];
        int[] g0 = new int[P];
        int[] w0 = new int[P];
        double[] cpu0 = new double[P];
        long[] mem0 = new long[P];
        long[] dur0 = new long[P];
        boolean[] hasDur0 = new boolean[P];
        boolean[] cmz0 = new boolean[P];
        int[] perTeam = new int[T + 1];
        int minPrio = Integer.MAX_VALUE, maxPrio = Integer.MIN_VALUE;
        long minCreated = Long.MAX_VALUE, maxCreated = Long.MIN_VALUE;
        String lastTeam = null, lastFlavor = null;
        int lastTeamIdx = -1, lastFlavorIdx = -1;
        for (int j = 0; j < P; j++) {
            PendingJob x = src[j];
            id0[j] = x.id();
            String xt = x.team();
            if (xt != lastTeam) {
                Integer t = teamIdx.get(xt);
                lastTeam = xt;
                lastTeamIdx = t == null ? T : t; // T = "unknown team" bucket
            }
            team0[j] = lastTeamIdx;
            int p = x.priority().weight();
            long c = x.createdAt().toEpochMilli();
            prio0[j] = p;
            created0[j] = c;
            minPrio = Math.min(minPrio, p);
            maxPrio = Math.max(maxPrio, p);
            minCreated = Math.min(minCreated, c);
            maxCreated = Math.max(maxCreated, c);
            perTeam[lastTeamIdx]++;
            String xf = x.flavor();
            if (xf == null) {
                flavor0[j] = -1;
            } else {
                if (xf != lastFlavor) {
                    Integer f = flavorIdx.get(xf);
                    lastFlavor = xf;
                    lastFlavorIdx = f == null ? -2 : f;
                }
                flavor0[j] = lastFlavorIdx;
            }
            g0[j] = x.gpusPerWorker();
            w0[j] = x.workers();
            cpu0[j] = x.cpuPerWorker();
            mem0[j] = x.memoryPerWorkerBytes();
            cmz0[j] = cpu0[j] == 0 && mem0[j] == 0;
            java.time.Duration d = x.expectedDuration();
            if (d != null) {
                hasDur0[j] = true;
                try {
                    dur0[j] = d.toMillis();
                } catch (ArithmeticException e) {
                    dur0[j] = Long.MIN_VALUE; // overflows: durMs() rethrows where the duration is used
                }
            }
        }
        teamFrom = new int[T + 1];
        teamTo = new int[T + 1];
        teamHead = new int[T + 1];
        int acc = 0;
        for (int t = 0; t <= T; t++) {
            teamFrom[t] = acc;
            teamHead[t] = acc;
            acc += perTeam[t];
            teamTo[t] = teamFrom[t];
        }
        int[] srcOf = new int[P]; // new index -> index in the snapshot's list
        for (int j = 0; j < P; j++) {
            srcOf[teamTo[team0[j]]++] = j;
        }
        sortQueues(src, srcOf, teamFrom, teamTo, prio0, created0, minPrio, maxPrio, minCreated, maxCreated);
        pj = src;
        this.srcOf = srcOf;
        // permute into queue order one array at a time: each pass gathers from one array that stays in cache
        pjId = new String[P];
        for (int j = 0; j < P; j++) {
            pjId[j] = id0[srcOf[j]];
        }
        pjTeam = gather(team0, srcOf);
        pjFlavor = gather(flavor0, srcOf);
        pjPrio = gather(prio0, srcOf);
        pjCreated = gather(created0, srcOf);
        pjG = gather(g0, srcOf);
        pjW = gather(w0, srcOf);
        pjDur = gather(dur0, srcOf);
        pjHasDur = new boolean[P];
        pjCpuMemZero = new boolean[P];
        pjCpu0 = cpu0;
        pjMem0 = mem0;
        for (int j = 0; j < P; j++) {
            int o = srcOf[j];
            pjCpuMemZero[j] = cmz0[o];
            pjHasDur[j] = hasDur0[o];
        }
        pjReq = new long[P];
        starving = new boolean[P];
        for (int j = 0; j < P; j++) {
            pjReq[j] = (long) pjW[j] * pjG[j];
            starving[j] = now - pjCreated[j] >= reserveAfterMs;
        }
        admitted = new boolean[P];
        reason = new PendingReason[P];
        message = new String[P];
        admittedEnd = new long[P];
        admittedFlavor = new int[P];
        visit = new int[P];
        order = new int[P];
        for (int j = 0; j < P; j++) {
            order[j] = j;
        }
    }

    private static int[] gather(int[] a, int[] idx) {
        int[] out = new int[idx.length];
        for (int j = 0; j < idx.length; j++) {
            out[j] = a[idx[j]];
        }
        return out;
    }

    private static long[] gather(long[] a, int[] idx) {
        long[] out = new long[idx.length];
        for (int j = 0; j < idx.length; j++) {
            out[j] = a[idx[j]];
        }
        return out;
    }

    /** The snapshot's record of job j. */
    private PendingJob pj(int j) {
        return pj[srcOf[j]];
    }

    /** Expected duration in ms of job j (which has one). */
    private long durMs(int j) {
        long d = pjDur[j];
        return d != Long.MIN_VALUE ? d : pj(j).expectedDuration().toMillis();
    }

    /**
     * Sorts each team's segment of srcOf by (priority desc, creation asc, id asc, snapshot index asc): the order a
     * stable sort by (priority, creation, id) of the snapshot's list gives. Priority and creation are packed with the
     * snapshot index into one long and sorted as primitives; only runs of equal (priority, creation) compare ids.
     */
    private static void sortQueues(PendingJob[] src, int[] srcOf, int[] segFrom, int[] segTo, int[] prio0,
                                   long[] created0, int minPrio, int maxPrio, long minCreated, long maxCreated) {
        int n = srcOf.length;
        IntSort.Cmp byId = (a, b) -> src[a].id().compareTo(src[b].id());
        int iBits = bits(n - 1);
        int pBits = bits((long) maxPrio - minPrio);
        long cRange = maxCreated - minCreated; // negative if it overflows
        int cBits = cRange < 0 ? 64 : bits(cRange);
        if (n == 0 || iBits + pBits + cBits > 63) {
            IntSort.Cmp full = (a, b) -> {
                if (prio0[a] != prio0[b]) {
                    return prio0[a] > prio0[b] ? -1 : 1;
                }
                if (created0[a] != created0[b]) {
                    return created0[a] < created0[b] ? -1 : 1;
                }
                return byId.compare(a, b);
            };
            for (int t = 0; t < segFrom.length; t++) {
                IntSort.sort(srcOf, segFrom[t], segTo[t], full);
            }
            return;
        }
        long[] key = new long[n];
        long idxMask = (1L << iBits) - 1;
        for (int i = 0; i < n; i++) {
            int o = srcOf[i];
            key[i] = (((long) (maxPrio - prio0[o]) << cBits | (created0[o] - minCreated)) << iBits) | o;
        }
        for (int t = 0; t < segFrom.length; t++) {
            int from = segFrom[t], to = segTo[t];
            if (to - from < 2) {
                continue;
            }
            Arrays.sort(key, from, to);
            for (int i = from; i < to; i++) {
                srcOf[i] = (int) (key[i] & idxMask);
            }
            // equal (priority, creation): order by id (stable, so equal ids keep snapshot order)
            for (int i = from; i < to; ) {
                int k = i + 1;
                while (k < to && (key[k] >>> iBits) == (key[i] >>> iBits)) {
                    k++;
                }
                if (k - i > 1) {
                    IntSort.sort(srcOf, i, k, byId);
                }
                i = k;
            }
        }
    }

    private static int bits(long v) {
        return v <= 0 ? 0 : 64 - Long.numberOfLeadingZeros(v);
    }

    // ------------------------------------------------------------------ main loop

    static final boolean PROFILE = Boolean.getBoolean("athanor.scheduler.profile");
    static final long[] PHASE_NANOS = new long[4];
    private long t0 = System.nanoTime();

    Decision run() {
        if (PROFILE) {
            PHASE_NANOS[0] += System.nanoTime() - t0;
            t0 = System.nanoTime();
        }
        // unknown-team jobs are visited first (they are all unschedulable)
        for (int i = teamFrom[T]; i < teamTo[T]; i++) {
            int j = order[i];
            visit[visited++] = j;
            unschedulable(j, "team " + pj(j).team() + " does not exist");
        }
        resOf = new Res[P];
        if (cfg.maxReservationsPerFlavor() > 0) {
            reservePass();
        }
        int[] heap = new int[T];
        int hs = 0;
        keyHi = new long[T];
        keyCreated = new long[T];
        for (int t = 0; t < T; t++) {
            if (teamHead[t] < teamTo[t]) {
                refreshKey(t);
                heap[hs++] = t;
            }
        }
        for (int i = hs / 2 - 1; i >= 0; i--) {
            siftDown(heap, hs, i);
        }
        while (hs > 0) {
            int t = heap[0];
            int j = order[teamHead[t]++];
            visit[visited++] = j;
            process(j);
            if (teamHead[t] < teamTo[t]) {
                refreshKey(t);
            } else {
                heap[0] = heap[--hs];
            }
            if (hs > 0) {
                siftDown(heap, hs, 0);
            }
        }
        if (PROFILE) {
            PHASE_NANOS[1] += System.nanoTime() - t0;
            t0 = System.nanoTime();
        }
        List<PendingInfo> infos = visibility();
        if (PROFILE) {
            PHASE_NANOS[2] += System.nanoTime() - t0;
        }
        return new Decision(s.now(), admissions, preemptions, reservations, infos);
    }

    /** Team head key, first part: within nominal first, then priority desc, packed so one compare decides both. */
    private long[] keyHi;
    private long[] keyCreated;

    private void refreshKey(int t) {
        int j = order[teamHead[t]];
        keyHi[t] = (withinNominal(t, j) ? 0 : 1L << 33) + ((long) Integer.MAX_VALUE - pjPrio[j]);
        keyCreated[t] = pjCreated[j];
    }

    private boolean withinNominal(int t, int j) {
        int f = pjFlavor[j];
        if (f >= 0) {
            return usage[t * F + f] + pjReq[j] <= nominal[t * F + f];
        }
        if (f == -1) {
            for (int g = 0; g < F; g++) {
                if (usage[t * F + g] + pjReq[j] <= nominal[t * F + g]) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Team-head order: within-nominal first, priority desc, share asc, creation asc, job id. */
    private int cmpTeams(int a, int b) {
        // nominal quota is a guarantee: it goes before borrowing (Kueue); then priority
        if (keyHi[a] != keyHi[b]) {
            return keyHi[a] < keyHi[b] ? -1 : 1;
        }
        int c = Double.compare(score[a], score[b]);
        if (c != 0) {
            return c;
        }
        if (keyCreated[a] != keyCreated[b]) {
            return keyCreated[a] < keyCreated[b] ? -1 : 1;
        }
        return pjId[order[teamHead[a]]].compareTo(pjId[order[teamHead[b]]]);
    }

    private void siftDown(int[] h, int n, int i) {
        int x = h[i];
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int r = l + 1;
            int m = (r < n && cmpTeams(h[r], h[l]) < 0) ? r : l;
            if (cmpTeams(h[m], x) >= 0) {
                break;
            }
            h[i] = h[m];
            i = m;
        }
        h[i] = x;
    }

    // ------------------------------------------------------------------ one job

    private void process(int j) {
        int t = pjTeam[j];
        if (pjFlavor[j] == -2) {
            unschedulable(j, "no node has flavor " + pj(j).flavor());
            return;
        }
        String never = neverFits(j, t);
        if (never != null) {
            unschedulable(j, never);
            return;
        }
        if (admissions.size() >= cfg.maxAdmissionsPerCycle()) {
            if (admissionCapMsg == null) {
                admissionCapMsg = "per-cycle admission cap (" + cfg.maxAdmissionsPerCycle()
                        + ") reached; considered again next cycle";
            }
            pend(j, PendingReason.CAPACITY, admissionCapMsg);
            return;
        }
        Res own = resOf[j];
        if (own != null) {
            setHeld(own, false);
        }
        try {
            processFits(j, t);
        } finally {
            if (own != null && admitted[j]) {
                resList.remove(own); // its GPUs went to the job itself; nothing is held any more
            } else if (own != null) {
                setHeld(own, true);
                message[j] = message[j] + "; waited longer than " + cfg.reservationAfter() + ", " + own.names.size()
                        + " " + flavorName[own.f] + " node(s) reserved, expected start "
                        + (own.start == NEVER ? "unknown (running jobs report no end)" : Instant.ofEpochMilli(own.start));
            }
        }
        if (cfg.preemption() && preemptAttempts < cfg.maxPreemptorsPerCycle() && !admitted[j]
                && reason[j] != PendingReason.FAIRNESS && reason[j] != PendingReason.RESERVATION) {
            tryPreempt(j, t);
        }
    }

    private void processFits(int j, int t) {
        int g = pjG[j];
        long req = pjReq[j];
        int quotaOk = -1;
        int firstFlavor = -1;
        for (int f = pjFlavor[j] >= 0 ? pjFlavor[j] : 0; f < F; f++) {
            if (firstFlavor < 0) {
                firstFlavor = f;
            }
            if (!fitsQuota(t, f, req)) {
                if (pjFlavor[j] >= 0) {
                    break;
                }
                continue;
            }
            if (quotaOk < 0) {
                quotaOk = f;
            }
            if (index[f].total >= req && index[f].maxAvail() >= g) {
                int[] placed = place(f, j);
                if (placed != null) {
                    admit(j, t, f, placed);
                    return;
                }
            }
            if (reservationsOn[f] > 0 && canBackfill(j, f)) {
                int[] placed = placeUsingHeld(f, j);
                if (placed != null) {
                    admit(j, t, f, placed);
                    return;
                }
            }
            if (pjFlavor[j] >= 0) {
                break;
            }
        }
        if (quotaOk < 0) {
            pend(j, PendingReason.QUOTA, quotaMessage(t, firstFlavor < 0 ? 0 : firstFlavor));
        } else {
            capacityReason(j, quotaOk);
        }
    }

    private void pend(int j, PendingReason r, String m) {
        reason[j] = r;
        message[j] = m;
    }

    private void unschedulable(int j, String m) {
        pend(j, PendingReason.UNSCHEDULABLE, m);
    }

    /** Null if the job can fit some day; else why it never can. */
    private String neverFits(int j, int t) {
        int f0 = pjFlavor[j] >= 0 ? pjFlavor[j] : 0;
        if (F > 0 && pjCpuMemZero[j]) {
            int g0 = pjG[j];
            if (maxNodeGpus[f0] >= g0 && (g0 == 0 || slotsEver(f0, g0) >= pjW[j]) && pjReq[j] <= maxEverQuota(t, f0)) {
                return null; // fast path: fits the first candidate flavor some day
            }
        }
        PendingJob x = pj(j);
        int g = x.gpusPerWorker();
        String why = null;
        int from = pjFlavor[j] >= 0 ? pjFlavor[j] : 0, to = pjFlavor[j] >= 0 ? pjFlavor[j] + 1 : F;
        if (from >= to) {
            return "the cluster has no GPU nodes";
        }
        for (int f = from; f < to; f++) {
            String w;
            if (maxNodeGpus[f] < g) {
                w = "needs " + g + " GPUs per worker but the largest " + flavorName[f] + " node has " + maxNodeGpus[f];
            } else if (maxNodeCpu[f] < x.cpuPerWorker() || maxNodeMem[f] < x.memoryPerWorkerBytes()) {
                w = "no " + flavorName[f] + " node has the CPU/memory one worker asks for";
            } else if (g > 0 && slotsEver(f, g) < x.workers()) {
                w = "needs " + x.workers() + " workers of " + g + " GPUs but all " + flavorName[f]
                        + " nodes together hold only " + slotsEver(f, g);
            } else if (pjReq[j] > maxEverQuota(t, f)) {
                w = "needs " + pjReq[j] + " GPUs but team " + team[t].name() + " can never get more than "
                        + maxEverQuota(t, f) + " on " + flavorName[f] + " (nominal " + nominal[t * F + f]
                        + " + borrowing limit, within what its cohort can lend)";
            } else {
                return null;
            }
            if (why == null) {
                why = w;
            }
        }
        return from + 1 == to ? why : "fits no flavor: " + why;
    }

    private long slotsEver(int f, int g) {
        long v = slotsEverCache[f][g];
        if (v == 0) {
            long slots = 0;
            for (int n = fFrom[f]; n < fTo[f]; n++) {
                slots += nodeGpus[n] / g;
            }
            v = slots + 1;
            slotsEverCache[f][g] = v;
        }
        return v - 1;
    }

    private long maxEverQuota(int t, int f) {
        return Math.min(nominal[t * F + f] + borrowLim[t * F + f], guaranteed[t * F + f] + pool[teamCohort[t]][f]);
    }

    private boolean fitsQuota(int t, int f, long req) {
        return quotaRoom(t, f) >= req;
    }

    /** GPUs team t may still add on flavor f: its own limit and what the cohort pool can still give. */
    private long quotaRoom(int t, int f) {
        long u = usage[t * F + f];
        long g = guaranteed[t * F + f];
        long byLimit = nominal[t * F + f] + borrowLim[t * F + f] - u;
        long byPool = Math.max(0, g - u) + pool[teamCohort[t]][f] - poolUsed[teamCohort[t]][f];
        return Math.max(0, Math.min(byLimit, byPool));
    }

    private String quotaMessage(int t, int f) {
        if (quotaMsg[t] == null) {
            quotaMsg[t] = new String[F];
        }
        String m = quotaMsg[t][f];
        if (m == null) {
            long lim = nominal[t * F + f] + borrowLim[t * F + f];
            m = "team " + team[t].name() + " quota on " + flavorName[f] + ": uses " + usage[t * F + f] + " GPUs, nominal "
                    + nominal[t * F + f] + (lim >= Long.MAX_VALUE / 8 ? ", unlimited borrowing" : ", limit " + lim)
                    + ", cohort can still lend " + Math.max(0, pool[teamCohort[t]][f] - poolUsed[teamCohort[t]][f]);
            quotaMsg[t][f] = m;
        }
        return m;
    }

    private void capacityReason(int j, int f) {
        long req = pjReq[j];
        int g = pjG[j];
        FreeIndex ix = index[f];
        if (heldTotal[f] > 0 && ix.total + heldTotal[f] >= req) {
            int k = 2 * f + (pjHasDur[j] ? 1 : 0);
            String m = reservedMsg[k];
            if (m == null || reservedMsgHeld[k] != heldTotal[f]) {
                m = heldTotal[f] + " free " + flavorName[f]
                        + " GPUs are reserved for a job that has waited longer than " + cfg.reservationAfter()
                        + (!pjHasDur[j] ? "; give an expected duration to backfill in front of it" : "");
                reservedMsg[k] = m;
                reservedMsgHeld[k] = heldTotal[f];
            }
            pend(j, PendingReason.RESERVATION, m);
        } else if (consumed[f] > 0 && startTotal[f] >= req && startMax[f] >= g) {
            if (maxAdmittedPrio[f] > pjPrio[j]) {
                if (priorityMsg[f] == null) {
                    priorityMsg[f] = "higher-priority jobs took the free " + flavorName[f] + " GPUs this cycle";
                }
                pend(j, PendingReason.PRIORITY, priorityMsg[f]);
            } else {
                if (fairnessMsg[f] == null) {
                    fairnessMsg[f] = "the free " + flavorName[f]
                            + " GPUs went to jobs ahead in fair-share order (teams with a lower weighted share)";
                }
                pend(j, PendingReason.FAIRNESS, fairnessMsg[f]);
            }
        } else if (ix.total >= req) {
            pend(j, PendingReason.GANG, flavorName[f] + " has " + ix.total + " free GPUs but no placement for "
                    + pjW[j] + " worker(s) of " + g + " GPUs each on single nodes (largest free block "
                    + ix.maxAvail() + ")");
        } else {
            String m = capacityMsg[f];
            if (m == null || capacityMsgTotal[f] != ix.total) {
                m = "not enough free " + flavorName[f] + " GPUs: " + ix.total + " free of " + cap[f];
                capacityMsg[f] = m;
                capacityMsgTotal[f] = ix.total;
            }
            pend(j, PendingReason.CAPACITY, m);
        }
    }

    // ------------------------------------------------------------------ placement

    /** Best-fit gang placement on available (non-held) GPUs; all or nothing. Returns node index per worker. */
    private int[] place(int f, int j) {
        int g = pjG[j];
        double cpu = pjCpu0[srcOf[j]];
        long mem = pjMem0[srcOf[j]];
        int[] out = new int[pjW[j]];
        FreeIndex ix = index[f];
        for (int w = 0; w < out.length; w++) {
            int n = ix.bestFit(g, cpu, mem, freeCpu, freeMem);
            if (n < 0) {
                for (int k = 0; k < w; k++) {
                    give(out[k], -g, -cpu, -mem);
                }
                return null;
            }
            give(out[w] = n, g, cpu, mem);
        }
        return out;
    }

    private void give(int n, int g, double cpu, long mem) {
        index[nodeFlavor[n]].set(n, avail[n] - g);
        freeCpu[n] -= cpu;
        freeMem[n] -= mem;
    }

    /**
     * May job j use GPUs held for reservation r: its own, a higher priority, a team with a lower weighted share right
     * now (it is ahead in fair share anyway; as it gets GPUs its share rises and the hold applies again), or a job that
     * ends before the reservation starts.
     */
    private boolean canUseHeld(int j, Res r) {
        if (r.job == j) {
            return true;
        }
        if (pjPrio[j] > r.prio) {
            return true;
        }
        if (pjPrio[j] == r.prio && pjTeam[j] != pjTeam[r.job] && score[pjTeam[j]] < score[pjTeam[r.job]]) {
            return true; // a team with a lower weighted share is ahead in fair share anyway
        }
        return pjHasDur[j] && now + durMs(j) <= r.start;
    }

    private boolean canBackfill(int j, int f) {
        for (Res r : resList) {
            if (r.f == f && canUseHeld(j, r)) {
                return true;
            }
        }
        return false;
    }

    /** Hold (true) or release (false) a reservation's GPUs; holding again takes at most what is still available. */
    private void setHeld(Res r, boolean hold) {
        int[] rn = r.rn;
        for (int i = 0; i < rn.length; i += 2) {
            int n = rn[i];
            if (hold) {
                int h = Math.min(rn[i + 1], avail[n]);
                rn[i + 1] = h;
                index[r.f].set(n, avail[n] - h);
                held[n] += h;
                heldTotal[r.f] += h;
            } else {
                index[r.f].set(n, avail[n] + rn[i + 1]);
                held[n] -= rn[i + 1];
                heldTotal[r.f] -= rn[i + 1];
            }
        }
    }

    /** Backfill: temporarily release the holds this job may use, place, hold again what is left. */
    private int[] placeUsingHeld(int f, int j) {
        List<Res> released = new ArrayList<>();
        for (Res r : resList) {
            if (r.f == f && r.job != j && canUseHeld(j, r)) {
                setHeld(r, false);
                released.add(r);
            }
        }
        int[] placed = place(f, j);
        for (Res r : released) {
            setHeld(r, true);
        }
        return placed;
    }

    private void admit(int j, int t, int f, int[] placed) {
        long req = pjReq[j];
        long before = usage[t * F + f];
        int c = teamCohort[t];
        poolUsed[c][f] += Math.max(0, before + req - guaranteed[t * F + f]) - Math.max(0, before - guaranteed[t * F + f]);
        cohortBorrowed[c][f] += Math.max(0, before + req - nominal[t * F + f]) - Math.max(0, before - nominal[t * F + f]);
        usage[t * F + f] = before + req;
        if (cap[f] > 0) {
            dom[t] = Math.max(dom[t], usage[t * F + f] / (double) cap[f]);
        }
        score[t] = FairShare.score(dom[t], hist[t], cfg.usageWeight(), weight[t]);
        consumed[f] += req;
        maxAdmittedPrio[f] = Math.max(maxAdmittedPrio[f], pjPrio[j]);
        admitted[j] = true;
        admittedFlavor[j] = f;
        admittedEnd[j] = !pjHasDur[j] ? NEVER : now + durMs(j);
        String[] names = new String[placed.length];
        for (int w = 0; w < placed.length; w++) {
            names[w] = node[placed[w]].name();
        }
        admissions.add(new Admission(pjId[j], team[t].name(), flavorName[f], Arrays.asList(names),
                usage[t * F + f] > nominal[t * F + f]));
    }

    // ------------------------------------------------------------------ reservation

    /**
     * Reservations, decided before the admission loop so that they hold against everyone of equal or lower priority.
     * Candidates: per team, the first job in its queue that waited longer than the bound and needs more than one GPU
     * (a single GPU is never blocked by fragmentation, only by share); ordered by priority, then the
     * team's weighted share (the team fair share would serve next), then age; at most maxReservationsPerFlavor per
     * flavor. Each gets the nodes that free enough GPUs soonest (running jobs released in order of expected end); the
     * GPUs free on them now are held. Holding for the lowest-share team's oldest job keeps reservations consistent with
     * fair share, so they only change who gets GPUs when size (fragmentation) would otherwise starve a job.
     * Reservations hold node capacity, not quota: a job blocked by quota alone is helped by reclaim (within nominal).
     */
    private void reservePass() {
        List<Integer> cand = new ArrayList<>();
        for (int t = 0; t < T; t++) {
            for (int i = teamFrom[t]; i < teamTo[t]; i++) {
                int j = order[i];
                // a 1-GPU job can use any free GPU: it waits for its share, never for a shape, so it needs no hold
                if (starving[j] && pjReq[j] > 1) {
                    if (pjFlavor[j] != -2 && pjG[j] > 0 && neverFits(j, t) == null) {
                        cand.add(j);
                    }
                    break;
                }
            }
        }
        cand.sort((a, b) -> {
            if (pjPrio[a] != pjPrio[b]) {
                return pjPrio[a] > pjPrio[b] ? -1 : 1;
            }
            int c = Double.compare(score[pjTeam[a]], score[pjTeam[b]]);
            if (c != 0) {
                return c;
            }
            if (pjCreated[a] != pjCreated[b]) {
                return pjCreated[a] < pjCreated[b] ? -1 : 1;
            }
            return pjId[a].compareTo(pjId[b]);
        });
        for (int j : cand) {
            int t = pjTeam[j];
            int from = pjFlavor[j] >= 0 ? pjFlavor[j] : 0, to = pjFlavor[j] >= 0 ? pjFlavor[j] + 1 : F;
            Res best = null;
            for (int f = from; f < to; f++) {
                if (reservationsOn[f] >= cfg.maxReservationsPerFlavor() || maxNodeGpus[f] < pjG[j]
                        || slotsEver(f, pjG[j]) < pjW[j] || pjReq[j] > maxEverQuota(t, f)) {
                    continue;
                }
                Res r = plan(j, f);
                if (r != null && (best == null || r.start < best.start)) {
                    best = r;
                }
            }
            if (best != null) {
                setHeld(best, true);
                resList.add(best);
                resOf[j] = best;
                reservationsOn[best.f]++;
                reservations.add(new Reservation(pjId[j], flavorName[best.f], best.names,
                        best.start == NEVER ? null : Instant.ofEpochMilli(best.start)));
            }
        }
    }

    /** The nodes of flavor f that give job j its workers soonest; null if they never do. Does not hold anything. */
    private Res plan(int j, int f) {
        int g = pjG[j];
        int workers = pjW[j];
        int from = fFrom[f], to = fTo[f];
        int[] proj = new int[to - from];
        long[] reachedAt = new long[to - from];
        long slots = 0;
        for (int n = from; n < to; n++) {
            proj[n - from] = avail[n];
            reachedAt[n - from] = now;
            slots += avail[n] / g;
        }
        long tRes = now;
        if (slots < workers) {
            tRes = -1;
            for (int r : runsByEnd(f)) {
                long when = victim[r] ? now : runEnd[r];
                for (int n : runNodes[r]) {
                    if (n < from || n >= to) {
                        continue;
                    }
                    int i = n - from;
                    int before = proj[i] / g;
                    proj[i] = Math.min(nodeGpus[n] - held[n], proj[i] + run[r].gpusPerWorker());
                    reachedAt[i] = when;
                    slots += proj[i] / g - before;
                }
                if (slots >= workers) {
                    tRes = Math.max(now, when);
                    break;
                }
            }
            if (tRes < 0) {
                return null;
            }
        }
        Integer[] c = new Integer[to - from];
        int nc = 0;
        for (int i = 0; i < proj.length; i++) {
            if (proj[i] >= g) {
                c[nc++] = i;
            }
        }
        Arrays.sort(c, 0, nc, (a, b) -> {
            if (reachedAt[a] != reachedAt[b]) {
                return reachedAt[a] < reachedAt[b] ? -1 : 1;
            }
            return Integer.compare(a, b);
        });
        int left = workers;
        List<String> names = new ArrayList<>();
        int[] rn = new int[2 * Math.min(nc, workers)];
        int k = 0;
        for (int x = 0; x < nc && left > 0; x++) {
            int i = c[x];
            int n = i + from;
            int take = Math.min(proj[i] / g, left);
            left -= take;
            rn[k++] = n;
            rn[k++] = Math.min(avail[n], take * g);
            names.add(node[n].name());
        }
        return new Res(j, f, pjPrio[j], tRes, Arrays.copyOf(rn, k), names);
    }

    private int[][] runsByEndCache;
    private int[][] teamRunsByEnd;
    private int[][] cohortMembers;
    private long[][] reclaimBound;
    private int[][] minRunPrio;
    private long[][] cohortBorrowed;

    /** Running jobs on flavor f ordered by expected end (unknown last, oldest start first), then id. */
    private int[] runsByEnd(int f) {
        if (runsByEndCache == null) {
            runsByEndCache = new int[F][];
        }
        if (runsByEndCache[f] == null) {
            int cnt = 0;
            for (int r = 0; r < R; r++) {
                if (runFlavor[r] == f) {
                    cnt++;
                }
            }
            int[] a = new int[cnt];
            cnt = 0;
            for (int r = 0; r < R; r++) {
                if (runFlavor[r] == f) {
                    a[cnt++] = r;
                }
            }
            IntSort.sort(a, 0, a.length, (x, y) -> {
                if (runEnd[x] != runEnd[y]) {
                    return runEnd[x] < runEnd[y] ? -1 : 1;
                }
                if (runStart[x] != runStart[y]) {
                    return runStart[x] < runStart[y] ? -1 : 1;
                }
                return Integer.compare(x, y);
            });
            runsByEndCache[f] = a;
        }
        return runsByEndCache[f];
    }

    // ------------------------------------------------------------------ preemption

    private void tryPreempt(int j, int t) {
        int from = pjFlavor[j] >= 0 ? pjFlavor[j] : 0, to = pjFlavor[j] >= 0 ? pjFlavor[j] + 1 : F;
        for (int f = from; f < to; f++) {
            if (preemptAttempts >= cfg.maxPreemptorsPerCycle()) {
                return;
            }
            if (preemptOn(j, t, f)) {
                return;
            }
        }
    }

    private boolean preemptOn(int j, int t, int f) {
        long req = pjReq[j];
        boolean reclaim = usage[t * F + f] + req <= nominal[t * F + f]
                && now - pj(j).createdAt().toEpochMilli() >= reclaimAfterMs; // admission order first, preemption last
        int prio = pjPrio[j];
        int c = teamCohort[t];
        // cheap pre-checks before building candidate lists
        boolean inTeamPossible = minRunPrio[t][f] < prio;
        if (reclaim && cohortBorrowed[c][f] == 0) {
            reclaim = false;
        }
        if (!reclaim && !inTeamPossible) {
            return false;
        }
        if (teamRunsByEnd == null) {
            teamRunsByEnd = runsPerTeamByEnd();
            cohortMembers = new int[C][];
            int[] cnt = new int[C];
            for (int x = 0; x < T; x++) {
                cnt[teamCohort[x]]++;
            }
            for (int x = 0; x < C; x++) {
                cohortMembers[x] = new int[cnt[x]];
                cnt[x] = 0;
            }
            for (int x = 0; x < T; x++) {
                cohortMembers[teamCohort[x]][cnt[teamCohort[x]]++] = x;
            }
            reclaimBound = new long[C][F];
            for (long[] row : reclaimBound) {
                Arrays.fill(row, -1);
            }
        }
        if (reclaim && !inTeamPossible && reclaimBound[c][f] >= 0 && reclaimBound[c][f] + index[f].total < req) {
            return false; // candidate GPUs only shrink during a cycle
        }
        List<Integer> cand = new ArrayList<>();
        long candGpus = 0;
        if (inTeamPossible) {
            for (int r : teamRunsByEnd[t]) {
                if (runFlavor[r] == f && runPrio[r] < prio && !victim[r] && now - runStart[r] >= minRuntimeMs
                        && worthStopping(r)) {
                    cand.add(r);
                    candGpus += run[r].totalGpus();
                }
            }
        }
        if (reclaim) {
            long all = 0;
            for (int s2 : cohortMembers[c]) {
                if (usage[s2 * F + f] <= nominal[s2 * F + f]) {
                    continue;
                }
                long borrowed = usage[s2 * F + f] - nominal[s2 * F + f];
                for (int r : teamRunsByEnd[s2]) {
                    // only jobs whose eviction leaves their team at or above nominal: no reclaim ping-pong
                    if (runFlavor[r] == f && !victim[r] && now - runStart[r] >= minRuntimeMs
                            && run[r].totalGpus() <= borrowed && worthStopping(r)) {
                        all += run[r].totalGpus();
                        if (s2 != t) {
                            cand.add(r);
                            candGpus += run[r].totalGpus();
                        }
                    }
                }
            }
            reclaimBound[c][f] = all;
        }
        if (cand.isEmpty() || candGpus + index[f].total < req) {
            return false;
        }
        preemptAttempts++;
        cand.sort((a, b) -> {
            if (runPrio[a] != runPrio[b]) {
                return runPrio[a] < runPrio[b] ? -1 : 1;
            }
            long ga = run[a].totalGpus(), gb = run[b].totalGpus();
            if (ga != gb) {
                return ga < gb ? -1 : 1;
            }
            if (run[a].checkpointable() != run[b].checkpointable()) {
                return run[a].checkpointable() ? -1 : 1;
            }
            if (runStart[a] != runStart[b]) {
                return runStart[a] > runStart[b] ? -1 : 1; // youngest first
            }
            return run[a].id().compareTo(run[b].id());
        });
        int[] rank = new int[R];
        Arrays.fill(rank, -1);
        for (int i = 0; i < cand.size(); i++) {
            rank[cand.get(i)] = i;
        }
        List<Integer> chosen = selectVictims(j, t, f, cand, rank);
        if (chosen == null) {
            return false;
        }
        StringBuilder names = new StringBuilder();
        for (int r : chosen) {
            victim[r] = true;
            boolean inTeam = runTeam[r] == t;
            PreemptionReason pr = inTeam ? PreemptionReason.PRIORITY : PreemptionReason.RECLAIM;
            String msg = inTeam
                    ? "job " + pj(j).id() + " (" + pj(j).priority() + ") needs the GPUs of lower-priority " + run[r].id()
                    + " (" + run[r].priority() + ") in team " + team[t].name()
                    : "team " + team[t].name() + " is below its nominal " + flavorName[f] + " quota (" + usage[t * F + f]
                    + "/" + nominal[t * F + f] + ") and reclaims GPUs borrowed by team " + run[r].team();
            preemptions.add(new Preemption(run[r].id(), run[r].team(), pj(j).id(), team[t].name(), pr,
                    run[r].checkpointable(), msg));
            if (names.length() > 0) {
                names.append(", ");
            }
            names.append(run[r].id());
        }
        boolean anyInTeam = chosen.stream().anyMatch(r -> runTeam[r] == t);
        pend(j, anyInTeam ? PendingReason.PRIORITY : reason[j],
                "waiting for preempted job(s) to stop: " + names + (anyInTeam ? "" : " (quota reclaim)"));
        return true;
    }

    /**
     * The cost rule of a preemption: a running job is worth stopping only while it has preemptions left in its budget
     * and the GPU time it would still hold (expected end - now) is at least {@code gainOverLoss} times the work a stop
     * throws away (now - its last checkpoint, or its start). A job that reports no end holds its GPUs for ever.
     */
    private boolean worthStopping(int r) {
        RunningJob x = run[r];
        if (x.preemptions() >= cfg.maxPreemptionsPerJob()) {
            return false;
        }
        if (x.expectedEnd() == null) {
            return true;
        }
        double remaining = x.expectedEnd().toEpochMilli() - now;
        double lost = now - x.workAtRiskSince().toEpochMilli();
        return remaining >= cfg.gainOverLoss() * lost;
    }

    /** Greedy node-targeted victim choice, then drop victims that turn out unnecessary (newest additions first). */
    private List<Integer> selectVictims(int j, int t, int f, List<Integer> cand, int[] rank) {
        PendingJob x = pj(j);
        int g = x.gpusPerWorker();
        int from = fFrom[f], to = fTo[f];
        int[] scratch = new int[to - from];
        for (int n = from; n < to; n++) {
            scratch[n - from] = avail[n];
        }
        List<Integer> chosen = new ArrayList<>();
        boolean[] isChosen = new boolean[R];
        Map<Integer, Long> taken = new HashMap<>(); // GPUs taken so far from each other team (reclaim allowance)
        for (int w = 0; w < x.workers(); w++) {
            int best = -1;
            for (int i = 0; i < scratch.length; i++) {
                if (scratch[i] >= g && freeCpu[i + from] >= x.cpuPerWorker() && freeMem[i + from] >= x.memoryPerWorkerBytes()
                        && (best < 0 || scratch[i] < scratch[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                // choose the node where freeing is cheapest: (highest victim priority, GPUs evicted, node)
                int bestNode = -1;
                int bestPrio = Integer.MAX_VALUE;
                long bestCost = Long.MAX_VALUE;
                List<Integer> bestSet = null;
                for (int i = 0; i < scratch.length; i++) {
                    int n = i + from;
                    if (nodeGpus[n] - held[n] < g) {
                        continue;
                    }
                    int[] rs = nodeRuns[n];
                    List<Integer> onNode = new ArrayList<>();
                    for (int r : rs) {
                        if (rank[r] >= 0 && !isChosen[r]) {
                            onNode.add(r);
                        }
                    }
                    if (onNode.isEmpty()) {
                        continue;
                    }
                    onNode.sort((a, b) -> Integer.compare(rank[a], rank[b]));
                    int freed = scratch[i];
                    int maxP = -1;
                    long cost = 0;
                    List<Integer> set = new ArrayList<>();
                    Map<Integer, Long> takenHere = new HashMap<>(taken);
                    for (int r : onNode) {
                        if (freed >= g) {
                            break;
                        }
                        if (!reclaimAllowed(r, t, f, takenHere)) {
                            continue;
                        }
                        takenHere.merge(runTeam[r], run[r].totalGpus(), Long::sum);
                        int here = 0;
                        for (int rn : runNodes[r]) {
                            if (rn == n) {
                                here += run[r].gpusPerWorker();
                            }
                        }
                        freed += here;
                        maxP = Math.max(maxP, runPrio[r]);
                        cost += run[r].totalGpus();
                        set.add(r);
                    }
                    if (freed < g) {
                        continue;
                    }
                    if (maxP < bestPrio || (maxP == bestPrio && (cost < bestCost
                            || (cost == bestCost && set.size() < bestSet.size())))) {
                        bestPrio = maxP;
                        bestCost = cost;
                        bestNode = i;
                        bestSet = set;
                    }
                }
                if (bestNode < 0) {
                    return null;
                }
                for (int r : bestSet) {
                    isChosen[r] = true;
                    chosen.add(r);
                    taken.merge(runTeam[r], run[r].totalGpus(), Long::sum);
                    for (int rn : runNodes[r]) {
                        if (rn >= from && rn < to) {
                            scratch[rn - from] += run[r].gpusPerWorker();
                        }
                    }
                }
                best = bestNode;
            }
            scratch[best] -= g;
        }
        // quota: add victims (in candidate order) until the preemptor fits its quota
        for (int r : cand) {
            if (quotaFitsWithout(j, t, f, chosen)) {
                break;
            }
            if (!isChosen[r] && reclaimAllowed(r, t, f, taken)) {
                isChosen[r] = true;
                chosen.add(r);
                taken.merge(runTeam[r], run[r].totalGpus(), Long::sum);
            }
        }
        if (!quotaFitsWithout(j, t, f, chosen)) {
            return null;
        }
        // minimise
        for (int i = chosen.size() - 1; i >= 0 && chosen.size() > 1; i--) {
            List<Integer> trial = new ArrayList<>(chosen);
            trial.remove(i);
            if (feasible(j, t, f, trial)) {
                chosen = trial;
            }
        }
        if (chosen.isEmpty() || !feasible(j, t, f, chosen)) {
            return null;
        }
        chosen.sort((a, b) -> Integer.compare(rank[a], rank[b]));
        return chosen;
    }

    /** In-team victims are always allowed; another team may only lose what it borrows beyond its nominal. */
    private boolean reclaimAllowed(int r, int t, int f, Map<Integer, Long> taken) {
        int s2 = runTeam[r];
        if (s2 == t) {
            return true;
        }
        return taken.getOrDefault(s2, 0L) + run[r].totalGpus() <= usage[s2 * F + f] - nominal[s2 * F + f];
    }

    private boolean quotaFitsWithout(int j, int t, int f, List<Integer> victims) {
        Map<Integer, Long> freed = new HashMap<>();
        for (int r : victims) {
            freed.merge(runTeam[r], run[r].totalGpus(), Long::sum);
        }
        int c = teamCohort[t];
        long pu = poolUsed[c][f];
        for (Map.Entry<Integer, Long> e : freed.entrySet()) {
            int s2 = e.getKey();
            if (teamCohort[s2] != c) {
                continue;
            }
            long u = usage[s2 * F + f];
            pu += Math.max(0, u - e.getValue() - guaranteed[s2 * F + f]) - Math.max(0, u - guaranteed[s2 * F + f]);
        }
        long u = usage[t * F + f] - freed.getOrDefault(t, 0L);
        long gtd = guaranteed[t * F + f];
        long byLimit = nominal[t * F + f] + borrowLim[t * F + f] - u;
        long byPool = Math.max(0, gtd - u) + pool[c][f] - pu;
        return Math.min(byLimit, byPool) >= pjReq[j];
    }

    private boolean feasible(int j, int t, int f, List<Integer> victims) {
        if (!quotaFitsWithout(j, t, f, victims)) {
            return false;
        }
        PendingJob x = pj(j);
        int g = x.gpusPerWorker();
        int from = fFrom[f], to = fTo[f];
        int[] scratch = new int[to - from];
        double[] cpu = new double[to - from];
        long[] mem = new long[to - from];
        for (int n = from; n < to; n++) {
            scratch[n - from] = avail[n];
            cpu[n - from] = freeCpu[n];
            mem[n - from] = freeMem[n];
        }
        for (int r : victims) {
            for (int n : runNodes[r]) {
                if (n >= from && n < to) {
                    scratch[n - from] += run[r].gpusPerWorker();
                    cpu[n - from] += run[r].cpuPerWorker();
                    mem[n - from] += run[r].memoryPerWorkerBytes();
                }
            }
        }
        for (int w = 0; w < x.workers(); w++) {
            int best = -1;
            for (int i = 0; i < scratch.length; i++) {
                if (scratch[i] >= g && cpu[i] >= x.cpuPerWorker() && mem[i] >= x.memoryPerWorkerBytes()
                        && (best < 0 || scratch[i] < scratch[best])) {
                    best = i;
                }
            }
            if (best < 0) {
                return false;
            }
            scratch[best] -= g;
            cpu[best] -= x.cpuPerWorker();
            mem[best] -= x.memoryPerWorkerBytes();
        }
        return true;
    }

    // ------------------------------------------------------------------ visibility

    private List<PendingInfo> visibility() {
        int[] teamPos = new int[P];
        for (int t = 0; t <= T; t++) {
            int pos = 0;
            for (int i = teamFrom[t]; i < teamTo[t]; i++) {
                int j = order[i];
                if (!admitted[j]) {
                    teamPos[j] = ++pos;
                }
            }
        }
        int[] fqCount = new int[F + 2];
        int[] flavorPos = new int[P];
        // flavor queues: index f for a flavor, F for "any", F+1 for an unknown flavor
        int[] fqSize = new int[F + 2];
        for (int v = 0; v < visited; v++) {
            int j = visit[v];
            if (!admitted[j]) {
                int q = fq(j);
                flavorPos[j] = ++fqCount[q];
                fqSize[q]++;
            }
        }
        long[] eta = new long[P];
        Arrays.fill(eta, NEVER);
        if (cfg.estimateStarts()) {
            long e0 = System.nanoTime();
            estimate(eta, fqSize);
            if (PROFILE) {
                PHASE_NANOS[3] += System.nanoTime() - e0;
            }
        }
        List<PendingInfo> out = new ArrayList<>(P - admissions.size());
        for (int v = 0; v < visited; v++) {
            int j = visit[v];
            if (admitted[j]) {
                continue;
            }
            int q = fq(j);
            String fqName = q < F ? flavorName[q] : (q == F ? ANY : pj(j).flavor());
            Instant est = eta[j] == NEVER || reason[j] == PendingReason.UNSCHEDULABLE ? null : Instant.ofEpochMilli(eta[j]);
            int t = pjTeam[j];
            String teamName = t < T ? team[t].name() : pj(j).team(); // equal strings: the team was looked up by name
            out.add(new PendingInfo(pjId[j], teamName, fqName, teamPos[j], flavorPos[j], reason[j], message[j], est));
        }
        return out;
    }

    private int fq(int j) {
        int f = pjFlavor[j];
        return f >= 0 ? f : (f == -1 ? F : F + 1);
    }

    /**
     * Start estimates. For each flavor queue: a fluid simulation in queue order over the GPUs free now plus releases
     * (running jobs at their expected end, preempted victims now, jobs admitted this cycle and jobs started in the
     * simulation at their expected end if they gave a duration). Combined (max) with the node-level check for the
     * job's own shape (first time, releasing running jobs by expected end, that enough single nodes hold its workers)
     * and, for quota-blocked jobs, the same fluid simulation over the team's own quota.
     */
    private void estimate(long[] eta, int[] fqSize) {
        // bucket the still-pending jobs by flavor queue (in queue order) and admitted jobs by flavor, once
        int[][] qJobs = new int[F + 2][];
        for (int q = 0; q < F + 2; q++) {
            qJobs[q] = new int[fqSize[q]];
        }
        int[] qn = new int[F + 2];
        for (int v = 0; v < visited; v++) {
            int j = visit[v];
            if (!admitted[j]) {
                int q = fq(j);
                qJobs[q][qn[q]++] = j;
            }
        }
        // admitted jobs that give an end, per flavor, in snapshot order (as before the renumbering)
        int[] admCnt = new int[F];
        int[] admJobs = new int[admissions.size()];
        int na = 0;
        for (int j = 0; j < P; j++) {
            if (admitted[j] && admittedEnd[j] != NEVER) {
                admJobs[na++] = j;
                admCnt[admittedFlavor[j]]++;
            }
        }
        IntSort.sort(admJobs, 0, na, (x, y) -> Integer.compare(srcOf[x], srcOf[y]));
        Events ev = new Events(R + na);
        for (int q = 0; q <= F; q++) {
            if (fqSize[q] == 0) {
                continue;
            }
            int fLo = q < F ? q : 0, fHi = q < F ? q + 1 : F;
            long free = 0;
            ev.clear();
            for (int f = fLo; f < fHi; f++) {
                free += index[f].total + heldTotal[f];
                for (int r : runsByEnd(f)) {
                    long when = victim[r] ? now : runEnd[r];
                    if (when != NEVER) {
                        ev.add(Math.max(now, when), run[r].totalGpus());
                    }
                }
                if (admCnt[f] > 0) {
                    for (int k = 0; k < na; k++) {
                        int j = admJobs[k];
                        if (admittedFlavor[j] == f) {
                            ev.add(admittedEnd[j], pjReq[j]);
                        }
                    }
                }
            }
            ev.sortByTime();
            int[] jobs = qJobs[q];
            fluid(jobs, jobs.length, free, ev, eta);
            Curve[] shapes = new Curve[65];
            long[][] memo = new long[65][]; // first time by (g, workers) for small gangs
            for (int j : jobs) {
                if (eta[j] == NEVER || reason[j] == PendingReason.UNSCHEDULABLE) {
                    eta[j] = NEVER;
                    continue;
                }
                int g = pjG[j];
                if (g == 0) {
                    continue;
                }
                Curve curve = g < shapes.length ? shapes[g] : null;
                if (curve == null) {
                    curve = shapeCurve(g, fLo, fHi);
                    if (g < shapes.length) {
                        shapes[g] = curve;
                    }
                }
                int w = pjW[j];
                long t;
                if (g < memo.length && w < 8) {
                    long[] m = memo[g];
                    if (m == null) {
                        m = memo[g] = new long[8];
                        Arrays.fill(m, Long.MIN_VALUE);
                    }
                    if (m[w] == Long.MIN_VALUE) {
                        m[w] = curve.firstTime(w);
                    }
                    t = m[w];
                } else {
                    t = curve.firstTime(w);
                }
                eta[j] = t == NEVER ? NEVER : Math.max(eta[j], t);
            }
        }
        // quota-blocked jobs with a specific flavor: the team's own queue against its own quota, releasing the team's
        // running jobs at their expected ends
        int[][] teamRuns = null;
        long[] qeta = null;
        int[][] buf = new int[F][16];
        int[] n = new int[F];
        boolean[] quotaJob = new boolean[F];
        for (int t = 0; t < T; t++) {
            boolean any = false;
            Arrays.fill(n, 0);
            Arrays.fill(quotaJob, false);
            for (int i = teamFrom[t]; i < teamTo[t]; i++) {
                int j = order[i];
                int f = pjFlavor[j];
                if (admitted[j] || f < 0 || reason[j] == PendingReason.UNSCHEDULABLE) {
                    continue;
                }
                if (n[f] == buf[f].length) {
                    buf[f] = Arrays.copyOf(buf[f], n[f] * 2);
                }
                buf[f][n[f]++] = j;
                if (reason[j] == PendingReason.QUOTA) {
                    quotaJob[f] = true;
                    any = true;
                }
            }
            if (!any) {
                continue;
            }
            if (teamRuns == null) {
                teamRuns = teamRunsByEnd != null ? teamRunsByEnd : runsPerTeamByEnd(); // same lists if preemption built them
                qeta = new long[P];
            }
            for (int f = 0; f < F; f++) {
                if (!quotaJob[f]) {
                    continue;
                }
                ev.clear();
                for (int r : teamRuns[t]) {
                    if (runFlavor[r] == f) {
                        long when = victim[r] ? now : runEnd[r];
                        if (when != NEVER) {
                            ev.add(Math.max(now, when), run[r].totalGpus());
                        }
                    }
                }
                int[] jobs = buf[f];
                fluid(jobs, n[f], quotaRoom(t, f), ev, qeta);
                for (int k = 0; k < n[f]; k++) {
                    int j = jobs[k];
                    if (reason[j] == PendingReason.QUOTA) {
                        eta[j] = (qeta[j] == NEVER || eta[j] == NEVER) ? NEVER : Math.max(eta[j], qeta[j]);
                    }
                }
            }
        }
    }

    /** Release events (time, GPUs) in parallel primitive arrays; sortByTime is stable. */
    private static final class Events {
        long[] time, amount;
        int n;

        Events(int cap) {
            time = new long[Math.max(16, cap)];
            amount = new long[time.length];
        }

        void clear() {
            n = 0;
        }

        void add(long t, long a) {
            if (n == time.length) {
                time = Arrays.copyOf(time, n * 2);
                amount = Arrays.copyOf(amount, n * 2);
            }
            time[n] = t;
            amount[n++] = a;
        }

        void sortByTime() {
            boolean sorted = true;
            for (int i = 1; i < n && sorted; i++) {
                sorted = time[i - 1] <= time[i];
            }
            if (sorted) {
                return;
            }
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) {
                idx[i] = i;
            }
            long[] tm = time;
            IntSort.sort(idx, 0, n, (x, y) -> Long.compare(tm[x], tm[y]));
            long[] t2 = new long[time.length], a2 = new long[time.length];
            for (int i = 0; i < n; i++) {
                t2[i] = time[idx[i]];
                a2[i] = amount[idx[i]];
            }
            time = t2;
            amount = a2;
        }
    }

    /** Running jobs of each team in order of expected end (unknown last). */
    private int[][] runsPerTeamByEnd() {
        int[] cnt = new int[T];
        for (int r = 0; r < R; r++) {
            if (runTeam[r] >= 0) {
                cnt[runTeam[r]]++;
            }
        }
        int[][] out = new int[T][];
        for (int t = 0; t < T; t++) {
            out[t] = new int[cnt[t]];
            cnt[t] = 0;
        }
        int[] all = new int[R];
        for (int r = 0; r < R; r++) {
            all[r] = r;
        }
        IntSort.sort(all, 0, R, (x, y) -> {
            if (runEnd[x] != runEnd[y]) {
                return runEnd[x] < runEnd[y] ? -1 : 1;
            }
            return Integer.compare(x, y);
        });
        for (int r : all) {
            if (runTeam[r] >= 0) {
                out[runTeam[r]][cnt[runTeam[r]]++] = r;
            }
        }
        return out;
    }

    /** Jobs start in queue order (non-decreasing starts) as soon as enough GPUs are free; their ends release later. */
    private void fluid(int[] jobs, int count, long free, Events sorted, long[] out) {
        // min-heap of (end time, GPUs) for jobs started in the simulation
        long[] hTime = null, hAmt = null;
        int hs = 0;
        long[] evTime = sorted.time, evAmt = sorted.amount;
        int evN = sorted.n;
        int e = 0;
        long t = now;
        long a = free;
        boolean stuck = false;
        for (int k = 0; k < count; k++) {
            int j = jobs[k];
            if (stuck || reason[j] == PendingReason.UNSCHEDULABLE) {
                out[j] = NEVER;
                continue;
            }
            long need = pjReq[j];
            while (a < need) {
                long nextTime, nextAmt;
                if (e < evN && (hs == 0 || evTime[e] <= hTime[0])) {
                    nextTime = evTime[e];
                    nextAmt = evAmt[e++];
                } else if (hs > 0) {
                    nextTime = hTime[0];
                    nextAmt = hAmt[0];
                    hs--;
                    if (hs > 0) {
                        heapDown(hTime, hAmt, hs, hTime[hs], hAmt[hs]);
                    }
                } else {
                    break;
                }
                a += nextAmt;
                t = Math.max(t, nextTime);
            }
            if (a < need) {
                stuck = true;
                out[j] = NEVER;
                continue;
            }
            out[j] = t;
            a -= need;
            if (pjHasDur[j]) {
                if (hTime == null) {
                    hTime = new long[16];
                    hAmt = new long[16];
                } else if (hs == hTime.length) {
                    hTime = Arrays.copyOf(hTime, hs * 2);
                    hAmt = Arrays.copyOf(hAmt, hs * 2);
                }
                // sift up
                long et = t + durMs(j);
                int i = hs++;
                while (i > 0) {
                    int p = (i - 1) >>> 1;
                    if (hTime[p] <= et) {
                        break;
                    }
                    hTime[i] = hTime[p];
                    hAmt[i] = hAmt[p];
                    i = p;
                }
                hTime[i] = et;
                hAmt[i] = need;
            }
        }
    }

    /** Places (xt, xa) from the root of a heap of size n down to its position. */
    private static void heapDown(long[] hTime, long[] hAmt, int n, long xt, long xa) {
        int i = 0;
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                break;
            }
            int r = l + 1;
            int m = r < n && hTime[r] < hTime[l] ? r : l;
            if (hTime[m] >= xt) {
                break;
            }
            hTime[i] = hTime[m];
            hAmt[i] = hAmt[m];
            i = m;
        }
        hTime[i] = xt;
        hAmt[i] = xa;
    }

    /** (time, slots) steps; prefix maxima of slots so the first step reaching a worker count is a binary search. */
    private static final class Curve {
        final long[] time, maxSlots;

        Curve(long[] time, long[] maxSlots) {
            this.time = time;
            this.maxSlots = maxSlots;
        }

        /** Time of the first step whose slots reach workers (NEVER if none). */
        long firstTime(int workers) {
            int lo = 0, hi = maxSlots.length; // first index with maxSlots >= workers
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (maxSlots[mid] >= workers) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            return lo < maxSlots.length ? time[lo] : NEVER;
        }
    }

    /** (time, slots) steps: how many g-GPU workers fit on single nodes as running jobs end in expected-end order. */
    private Curve shapeCurve(int g, int fLo, int fHi) {
        Events steps = new Events(64); // (time, slots)
        for (int f = fLo; f < fHi; f++) {
            if (maxNodeGpus[f] < g) {
                continue;
            }
            Events fs = flavorSteps(f, g);
            for (int i = 0; i < fs.n; i++) {
                steps.add(fs.time[i], fs.amount[i]);
            }
        }
        // several flavors: a gang must fit within one flavor; each flavor's curve is monotonic, so after merging the
        // steps by time the first step reaching the worker count is the earliest time some single flavor fits it
        steps.sortByTime();
        long[] time = Arrays.copyOf(steps.time, steps.n);
        long[] max = Arrays.copyOf(steps.amount, steps.n);
        for (int i = 1; i < max.length; i++) {
            max[i] = Math.max(max[i], max[i - 1]);
        }
        return new Curve(time, max);
    }

    private Events[][] flavorStepsCache;

    /** Flavor f's (time, slots) steps for g-GPU workers, in release order (unsorted); computed once per cycle. */
    private Events flavorSteps(int f, int g) {
        if (flavorStepsCache == null) {
            flavorStepsCache = new Events[F][];
        }
        if (flavorStepsCache[f] == null) {
            flavorStepsCache[f] = new Events[maxNodeGpus[f] + 1];
        }
        Events steps = flavorStepsCache[f][g];
        if (steps != null) {
            return steps;
        }
        steps = new Events(64);
        int from = fFrom[f], to = fTo[f];
        int[] proj = new int[to - from];
        long slots = 0;
        for (int n = from; n < to; n++) {
            proj[n - from] = avail[n] + held[n];
            slots += proj[n - from] / g;
        }
        steps.add(now, slots);
        for (int r : runsByEnd(f)) {
            long when = victim[r] ? now : runEnd[r];
            if (when == NEVER) {
                break;
            }
            for (int n : runNodes[r]) {
                if (n >= from && n < to) {
                    int i = n - from;
                    int before = proj[i] / g;
                    proj[i] = Math.min(nodeGpus[n], proj[i] + run[r].gpusPerWorker());
                    slots += proj[i] / g - before;
                }
            }
            steps.add(Math.max(now, when), slots);
        }
        flavorStepsCache[f][g] = steps;
        return steps;
    }
}
