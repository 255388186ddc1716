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
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
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

    private MultiGauge pending;
    private MultiGauge weightedShare;
    private MultiGauge dominantShare;
    private MultiGauge quota;
    private MultiGauge used;
    private MultiGauge borrowed;
    private Timer cycle;
    private final Map<Tags, AtomicDouble> pendingValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> weightedValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> dominantValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> quotaValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> usedValues = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Tags, AtomicDouble> borrowedValues = new java.util.concurrent.ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        pending = MultiGauge.builder("athanor.pending.jobs")
                .description("GPU jobs waiting for admission, by team and why they wait").register(registry);
        weightedShare = MultiGauge.builder("athanor.team.weighted.share")
                .description("(dominant share + usage weight x decayed historical share) / weight; served lowest first")
                .register(registry);
        dominantShare = MultiGauge.builder("athanor.team.dominant.share")
                .description("max over flavors of the team's GPUs in use / the flavor's GPUs").register(registry);
        quota = MultiGauge.builder("athanor.quota.gpus")
                .description("configured quota per team and flavor (limit = nominal | borrowing | lending)")
                .register(registry);
        used = MultiGauge.builder("athanor.quota.used.gpus")
                .description("GPUs held by the team's admitted jobs per flavor").register(registry);
        borrowed = MultiGauge.builder("athanor.quota.borrowed.gpus")
                .description("GPUs the team uses above its nominal quota per flavor").register(registry);
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
        pending.register(rows(pendingValues, byReason), true);
        Map<Tags, Double> w = new HashMap<>();
        Map<Tags, Double> dom = new HashMap<>();
        for (TeamShare t : shares) {
            w.put(Tags.of("team", t.team()), t.weightedShare());
            dom.put(Tags.of("team", t.team()), t.dominantShare());
        }
        weightedShare.register(rows(weightedValues, w), true);
        dominantShare.register(rows(dominantValues, dom), true);
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
        quota.register(rows(quotaValues, q), true);
        Map<Tags, Double> u = new HashMap<>();
        Map<String, Long> perTeamFlavor = new HashMap<>();
        for (RunningJob r : s.running()) {
            u.merge(Tags.of("team", r.team(), "flavor", r.flavor()), (double) r.totalGpus(), Double::sum);
            perTeamFlavor.merge(r.team() + "\u0000" + r.flavor(), r.totalGpus(), Long::sum);
        }
        used.register(rows(usedValues, u), true);
        Map<Tags, Double> b = new HashMap<>();
        for (Map.Entry<String, Long> e : perTeamFlavor.entrySet()) {
            String[] tf = e.getKey().split("\u0000", 2);
            Team t = teams.get(tf[0]);
            FlavorQuota fq = t == null ? null : t.quota(tf[1]);
            long nominal = fq == null ? 0 : fq.nominal();
            b.put(Tags.of("team", tf[0], "flavor", tf[1]), (double) Math.max(0, e.getValue() - nominal));
        }
        borrowed.register(rows(borrowedValues, b), true);
    }

    /**
     * Rows backed by holders this bean keeps (gauges only hold their values weakly): values are updated in place,
     * rows that disappeared are dropped.
     */
    private static List<MultiGauge.Row<?>> rows(Map<Tags, AtomicDouble> holders, Map<Tags, Double> values) {
        holders.keySet().retainAll(values.keySet());
        List<MultiGauge.Row<?>> out = new ArrayList<>(values.size());
        values.forEach((tags, v) -> {
            AtomicDouble h = holders.computeIfAbsent(tags, k -> new AtomicDouble());
            h.set(v);
            out.add(MultiGauge.Row.of(tags, h, AtomicDouble::get));
        });
        return out;
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
