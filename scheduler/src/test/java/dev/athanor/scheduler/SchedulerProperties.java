package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Invariants of one cycle over random valid snapshots (random cluster, teams, cohorts, quotas, running jobs that
 * respect quota and capacity, pending jobs of every shape). The snapshot is derived from a jqwik-chosen seed.
 */
class SchedulerProperties {

    static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    static final String[] FLAVORS = {"a100-80gb", "h200-141gb"};

    @Provide
    Arbitrary<Snapshot> snapshots() {
        return Arbitraries.longs().map(SchedulerProperties::randomSnapshot);
    }

    @Property(tries = 300)
    void neverAboveCapacityOrQuota(@ForAll("snapshots") Snapshot s) {
        Decision d = new Scheduler().schedule(s);
        Map<String, Node> nodes = new HashMap<>();
        s.nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, PendingJob> pend = new HashMap<>();
        s.pending().forEach(p -> pend.put(p.id(), p));
        Map<String, Integer> used = new HashMap<>();
        Map<String, Long> usage = teamUsage(s);
        for (Admission a : d.admissions()) {
            PendingJob j = pend.get(a.jobId());
            for (String n : a.workerNodes()) {
                used.merge(n, j.gpusPerWorker(), Integer::sum);
            }
            usage.merge(a.team() + "/" + a.flavor(), j.totalGpus(), Long::sum);
        }
        used.forEach((n, g) -> assertThat(g).as("GPUs placed on %s", n).isLessThanOrEqualTo(nodes.get(n).freeGpus()));
        assertQuotaInvariants(s, usage);
    }

    @Property(tries = 300)
    void gangsAreAllOrNothingAndEveryJobIsAccountedFor(@ForAll("snapshots") Snapshot s) {
        Decision d = new Scheduler().schedule(s);
        Map<String, Node> nodes = new HashMap<>();
        s.nodes().forEach(n -> nodes.put(n.name(), n));
        Map<String, PendingJob> pend = new HashMap<>();
        s.pending().forEach(p -> pend.put(p.id(), p));
        Set<String> seen = new HashSet<>();
        for (Admission a : d.admissions()) {
            PendingJob j = pend.get(a.jobId());
            assertThat(seen.add(a.jobId())).isTrue();
            assertThat(a.workerNodes()).hasSize(j.workers());
            if (j.flavor() != null) {
                assertThat(a.flavor()).isEqualTo(j.flavor());
            }
            for (String n : a.workerNodes()) {
                assertThat(nodes.get(n).flavor()).isEqualTo(a.flavor());
            }
        }
        for (PendingInfo p : d.pending()) {
            assertThat(seen.add(p.jobId())).as("job %s reported twice", p.jobId()).isTrue();
            assertThat(p.reason()).isNotNull();
            assertThat(p.message()).isNotBlank();
            assertThat(p.teamPosition()).isPositive();
            assertThat(p.flavorPosition()).isPositive();
            if (p.estimatedStart() != null) {
                assertThat(p.estimatedStart()).isAfterOrEqualTo(s.now());
            }
        }
        assertThat(seen).hasSize(s.pending().size());
    }

    @Property(tries = 300)
    void preemptionNeverEvictsHigherOrEqualPriorityInTeamNorYoungJobs(@ForAll("snapshots") Snapshot s) {
        SchedulerConfig cfg = SchedulerConfig.defaults();
        Decision d = new Scheduler(cfg).schedule(s);
        Map<String, RunningJob> run = new HashMap<>();
        s.running().forEach(r -> run.put(r.id(), r));
        Map<String, PendingJob> pend = new HashMap<>();
        s.pending().forEach(p -> pend.put(p.id(), p));
        Set<String> victims = new HashSet<>();
        Set<String> admitted = new HashSet<>();
        d.admissions().forEach(a -> admitted.add(a.jobId()));
        for (Preemption p : d.preemptions()) {
            RunningJob v = run.get(p.victimJobId());
            PendingJob by = pend.get(p.preemptorJobId());
            assertThat(victims.add(v.id())).as("victim listed twice").isTrue();
            assertThat(admitted).doesNotContain(by.id());
            assertThat(Duration.between(v.startedAt(), s.now())).isGreaterThanOrEqualTo(cfg.minRuntime());
            if (p.reason() == PreemptionReason.PRIORITY) {
                assertThat(v.team()).isEqualTo(by.team());
                assertThat(v.priority().weight()).isLessThan(by.priority().weight());
            } else {
                assertThat(v.team()).isNotEqualTo(by.team());
            }
            if (v.team().equals(by.team())) {
                assertThat(v.priority().weight()).isLessThan(by.priority().weight());
            }
        }
    }

    @Property(tries = 200)
    void sameSnapshotSameDecisionWhateverTheListOrder(@ForAll("snapshots") Snapshot s, @ForAll long shuffleSeed) {
        Random r = new Random(shuffleSeed);
        List<Node> nodes = new ArrayList<>(s.nodes());
        List<Team> teams = new ArrayList<>(s.teams());
        List<RunningJob> running = new ArrayList<>(s.running());
        List<PendingJob> pending = new ArrayList<>(s.pending());
        Collections.shuffle(nodes, r);
        Collections.shuffle(teams, r);
        Collections.shuffle(running, r);
        Collections.shuffle(pending, r);
        Snapshot shuffled = new Snapshot(s.now(), nodes, teams, s.cohorts(), running, pending);
        Decision a = new Scheduler().schedule(s);
        Decision b = new Scheduler().schedule(shuffled);
        assertThat(b).isEqualTo(a);
        assertThat(new Scheduler().schedule(s)).isEqualTo(a);
    }

    // ------------------------------------------------------------------ helpers

    static Map<String, Long> teamUsage(Snapshot s) {
        Map<String, Long> u = new HashMap<>();
        for (RunningJob r : s.running()) {
            u.merge(r.team() + "/" + r.flavor(), r.totalGpus(), Long::sum);
        }
        return u;
    }

    static void assertQuotaInvariants(Snapshot s, Map<String, Long> usage) {
        Map<String, Long> pool = new HashMap<>(), poolUsed = new HashMap<>();
        for (Team t : s.teams()) {
            String cohort = t.cohort() == null ? "solo:" + t.name() : t.cohort();
            for (String f : FLAVORS) {
                FlavorQuota q = t.quota(f);
                long u = usage.getOrDefault(t.name() + "/" + f, 0L);
                long limit = q.borrowingLimit() == FlavorQuota.UNLIMITED ? Long.MAX_VALUE : q.nominal() + (long) q.borrowingLimit();
                assertThat(u).as("usage of %s on %s", t.name(), f).isLessThanOrEqualTo(limit);
                pool.merge(cohort + "/" + f, q.lendable(), Long::sum);
                poolUsed.merge(cohort + "/" + f, Math.max(0, u - q.guaranteed()), Long::sum);
            }
        }
        for (Cohort c : s.cohorts()) {
            c.sharedQuota().forEach((f, v) -> pool.merge(c.name() + "/" + f, (long) v, Long::sum));
        }
        poolUsed.forEach((k, v) -> assertThat(v).as("cohort pool %s", k).isLessThanOrEqualTo(pool.get(k)));
    }

    /** A valid random snapshot: running jobs respect node capacity and every quota rule. */
    static Snapshot randomSnapshot(long seed) {
        Random r = new Random(seed);
        int nodeCount = 1 + r.nextInt(8);
        List<Node> nodes = new ArrayList<>();
        int[] free = new int[nodeCount];
        String[] nodeFlavor = new String[nodeCount];
        int[] gpus = new int[nodeCount];
        for (int i = 0; i < nodeCount; i++) {
            nodeFlavor[i] = FLAVORS[r.nextInt(FLAVORS.length)];
            gpus[i] = r.nextBoolean() ? 8 : 4;
            free[i] = gpus[i];
        }
        int teamCount = 1 + r.nextInt(4);
        List<Team> teams = new ArrayList<>();
        boolean shared = r.nextBoolean();
        for (int t = 0; t < teamCount; t++) {
            Map<String, FlavorQuota> q = new HashMap<>();
            for (String f : FLAVORS) {
                int nominal = r.nextInt(17);
                int borrow = r.nextInt(4) == 0 ? FlavorQuota.UNLIMITED : r.nextInt(9);
                int lend = r.nextInt(3) == 0 ? FlavorQuota.UNLIMITED : r.nextInt(nominal + 1);
                q.put(f, new FlavorQuota(nominal, borrow, lend));
            }
            String cohort = r.nextInt(4) == 0 ? null : (shared ? "lab" : "c" + r.nextInt(2));
            teams.add(new Team("t" + t, cohort, 1 + r.nextInt(3), q,
                    new DecayedUsage(r.nextInt(100_000), NOW.minusSeconds(r.nextInt(3600)))));
        }
        List<Cohort> cohorts = new ArrayList<>();
        if (r.nextBoolean()) {
            cohorts.add(new Cohort("lab", Map.of(FLAVORS[0], r.nextInt(9))));
        }
        Snapshot empty = new Snapshot(NOW, List.of(), teams, cohorts, List.of(), List.of());
        List<RunningJob> running = new ArrayList<>();
        Map<String, Long> usage = new HashMap<>();
        int runCount = r.nextInt(12);
        for (int k = 0; k < runCount; k++) {
            Team t = teams.get(r.nextInt(teamCount));
            String f = FLAVORS[r.nextInt(FLAVORS.length)];
            int g = new int[]{1, 2, 4, 8}[r.nextInt(4)];
            int workers = 1 + (r.nextInt(4) == 0 ? 1 : 0);
            List<String> placed = new ArrayList<>();
            int[] trial = free.clone();
            for (int w = 0; w < workers; w++) {
                for (int n = 0; n < nodeCount; n++) {
                    if (nodeFlavor[n].equals(f) && trial[n] >= g) {
                        trial[n] -= g;
                        placed.add("n" + n);
                        break;
                    }
                }
            }
            if (placed.size() < workers) {
                continue;
            }
            Map<String, Long> after = new HashMap<>(usage);
            after.merge(t.name() + "/" + f, (long) g * workers, Long::sum);
            if (!quotaOk(empty, after)) {
                continue;
            }
            usage = after;
            free = trial;
            Priority p = Priority.values()[r.nextInt(4)];
            Instant start = NOW.minusSeconds(r.nextInt(7200));
            Instant end = r.nextInt(4) == 0 ? null : NOW.plusSeconds(60 + r.nextInt(7200));
            running.add(new RunningJob("r" + k, t.name(), p, g, f, placed, start, end, r.nextBoolean(), 0, 0, null, 0));
        }
        for (int i = 0; i < nodeCount; i++) {
            nodes.add(Node.of("n" + i, nodeFlavor[i], gpus[i], free[i]));
        }
        List<PendingJob> pending = new ArrayList<>();
        int pendCount = r.nextInt(16);
        for (int k = 0; k < pendCount; k++) {
            String team = r.nextInt(20) == 0 ? "ghost" : teams.get(r.nextInt(teamCount)).name();
            int g = new int[]{1, 1, 2, 4, 8, 16}[r.nextInt(6)];
            int workers = 1 + (r.nextInt(3) == 0 ? r.nextInt(3) : 0);
            String f = r.nextInt(3) == 0 ? null : FLAVORS[r.nextInt(FLAVORS.length)];
            PendingJob j = PendingJob.of("p" + k, team, Priority.values()[r.nextInt(4)], workers, g, f,
                    NOW.minusSeconds(r.nextInt(7200)));
            if (r.nextBoolean()) {
                j = j.withExpectedDuration(Duration.ofSeconds(60 + r.nextInt(7200)));
            }
            pending.add(j);
        }
        return new Snapshot(NOW, nodes, teams, cohorts, running, pending);
    }

    private static boolean quotaOk(Snapshot s, Map<String, Long> usage) {
        try {
            assertQuotaInvariants(s, usage);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }
}
