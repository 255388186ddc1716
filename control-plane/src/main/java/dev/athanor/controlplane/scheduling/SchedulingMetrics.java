package dev.athanor.controlplane.scheduling;

import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.FlavorQuota;
import dev.athanor.scheduler.PendingInfo;
import dev.athanor.scheduler.RunningJob;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;
import dev.athanor.scheduler.TeamShare;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Scheduler metrics in the spirit of Kueue's (pending workloads by status, admission wait, admitted and preempted
 * totals, quota usage), plus per-team fair share. Names start with {@code athanor_}; see docs/scheduling.md.
 */
@ApplicationScoped
public class SchedulingMetrics {

    @Inject
    MeterRegistry registry;

    private Timer cycle;
    private final Map<Tags, AtomicDouble> pendingValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> weightedValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> dominantValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> quotaValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> usedValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> borrowedValues = new java.util.concurrent.ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        cycle = Timer.builder("athanor.scheduling.cycle").description("one scheduling round (read, decide, publish)")
                .register(registry);
    }

    public Timer cycleTimer() {
        return cycle;
    }

    public void admitted(String team, Duration waited) {
        Counter.builder("athanor.admitted.jobs").description("GPU and CPU jobs admitted").tag("team", team)
                .register(registry).increment();
        Timer.builder("athanor.admission.wait").description("time from submission to admission")
                .tag("team", team).publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofDays(2))
                .register(registry).record(waited.isNegative() ? Duration.ZERO : waited);
    }

    public void preempted(String team, String reason) {
        Counter.builder("athanor.preempted.jobs").description("attempts preempted, by victim team and reason")
                .tags("team", team, "reason", reason).register(registry).increment();
    }

    void observe(Snapshot s, Decision d, List<TeamShare> shares, List<SchedulingStore.QuotaRow> quotas) {
        Map<Tags, Double> byReason = new HashMap<>();
        for (PendingInfo p : d.pending()) {
            byReason.merge(Tags.of("team", p.team(), "reason", p.reason().name()), 1.0, Double::sum);
        }
        set("athanor.pending.jobs", "GPU jobs waiting for admission, by team and why they wait", pendingValues, byReason);
        Map<Tags, Double> w = new HashMap<>();
        Map<Tags, Double> dom = new HashMap<>();
        for (TeamShare t : shares) {
            w.put(Tags.of("team", t.team()), t.weightedShare());
            dom.put(Tags.of("team", t.team()), t.dominantShare());
        }
        set("athanor.team.weighted.share", "(dominant share + usage weight x decayed historical share) / weight; served lowest first", weightedValues, w);
        set("athanor.team.dominant.share", "max over flavors of the team's GPUs in use / the flavor's GPUs", dominantValues, dom);
        Map<Tags, Double> q = new HashMap<>();
        Map<String, Team> teams = new HashMap<>();
        s.teams().forEach(t -> teams.put(t.name(), t));
        for (SchedulingStore.QuotaRow r : quotas) {
            q.put(Tags.of("team", r.team(), "flavor", r.flavor(), "limit", "nominal"), (double) r.nominal());
            if (r.borrowingLimit() != null) {
                q.put(Tags.of("team", r.team(), "flavor", r.flavor(), "limit", "borrowing"), (double) r.borrowingLimit());
            }
            if (r.lendingLimit() != null) {
                q.put(Tags.of("team", r.team(), "flavor", r.flavor(), "limit", "lending"), (double) r.lendingLimit());
            }
        }
        set("athanor.quota.gpus", "configured quota per team and flavor (limit = nominal | borrowing | lending)", quotaValues, q);
        Map<Tags, Double> u = new HashMap<>();
        Map<String, Long> perTeamFlavor = new HashMap<>();
        for (RunningJob r : s.running()) {
            u.merge(Tags.of("team", r.team(), "flavor", r.flavor()), (double) r.totalGpus(), Double::sum);
            perTeamFlavor.merge(r.team() + "\u0000" + r.flavor(), r.totalGpus(), Long::sum);
        }
        set("athanor.quota.used.gpus", "GPUs held by the team's admitted jobs per flavor", usedValues, u);
        Map<Tags, Double> b = new HashMap<>();
        for (Map.Entry<String, Long> e : perTeamFlavor.entrySet()) {
            String[] tf = e.getKey().split("\u0000", 2);
            Team t = teams.get(tf[0]);
            FlavorQuota fq = t == null ? null : t.quota(tf[1]);
            long nominal = fq == null ? 0 : fq.nominal();
            b.put(Tags.of("team", tf[0], "flavor", tf[1]), (double) Math.max(0, e.getValue() - nominal));
        }
        set("athanor.quota.borrowed.gpus", "GPUs the team uses above its nominal quota per flavor", borrowedValues, b);
    }

    /**
     * Sets one gauge per tag set. Each gauge is registered once, reading a holder this bean keeps (gauges only hold
     * their values weakly), and updated in place; a tag set that disappears reads 0. No gauge is ever removed and
     * re-registered, so a scrape never sees a series missing in between.
     */
    private void set(String name, String description, Map<Tags, AtomicDouble> holders, Map<Tags, Double> values) {
        holders.forEach((tags, h) -> {
            if (!values.containsKey(tags)) {
                h.set(0);
            }
        });
        values.forEach((tags, v) -> holders.computeIfAbsent(tags, t -> {
            AtomicDouble h = new AtomicDouble();
            Gauge.builder(name, h, AtomicDouble::get).description(description).tags(t).strongReference(true)
                    .register(registry);
            return h;
        }).set(v));
    }

    /** A mutable double a gauge can read. */
    static final class AtomicDouble {
        private volatile double value;

        double get() {
            return value;
        }

        void set(double v) {
            value = v;
        }
    }
}
