package dev.athanor.controlplane.scheduling;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.controlplane.store.HistoryStore;
import dev.athanor.scheduler.DecayedUsage;
import dev.athanor.scheduler.PendingInfo;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What the scheduler reads from and writes to PostgreSQL: teams, quotas, the flavor catalog, decayed usage, the
 * pending and live jobs of a cycle, and the published queue (positions, reasons, estimated starts).
 */
@ApplicationScoped
public class SchedulingStore {

    private static final ObjectMapper MAPPER = Json.lenient();

    @Inject
    EntityManager em;
    @Inject
    AgroalDataSource ds;

    /** A team row. */
    public record TeamRow(String name, String cohort, double weight) {
    }

    /** A quota row; null limits are unlimited. */
    public record QuotaRow(String team, String flavor, int nominal, Integer borrowingLimit, Integer lendingLimit) {
    }

    /** A job waiting for admission. */
    public record PendingRow(UUID id, String team, Priority priority, Resources resources, Instant queuedAt) {
    }

    /** A job holding (or about to hold) resources. */
    public record LiveRow(UUID id, int attempt, String team, Priority priority, Resources resources, Instant since, Instant expectedEnd, boolean checkpointable, boolean preempting,
                          String flavor, int preemptions) {
    }

    /** Everything one cycle reads, in one transaction (a consistent view). */
    public record Inputs(List<TeamRow> teams, List<QuotaRow> quotas, List<String> flavors,
                         Map<String, DecayedUsage> usage, List<PendingRow> pending, List<LiveRow> live) {
    }

    @Transactional
    public Inputs load(Instant now, int maxPending) {
        return new Inputs(teams(), quotas(), flavors(), usage(), pending(now, maxPending), live());
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<TeamRow> teams() {
        List<Object[]> rows = em.createNativeQuery("select name, cohort, weight from team order by name").getResultList();
        List<TeamRow> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(new TeamRow((String) r[0], (String) r[1], ((Number) r[2]).doubleValue()));
        }
        return out;
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<QuotaRow> quotas() {
        List<Object[]> rows = em.createNativeQuery("select team, flavor, nominal, borrowing_limit, lending_limit "
                + "from team_quota order by team, flavor").getResultList();
        List<QuotaRow> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(new QuotaRow((String) r[0], (String) r[1], ((Number) r[2]).intValue(), integer(r[3]), integer(r[4])));
        }
        return out;
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> flavors() {
        return em.createNativeQuery("select name from flavor order by name").getResultList();
    }

    @SuppressWarnings("unchecked")
    public Map<String, DecayedUsage> usage() {
        List<Object[]> rows = em.createNativeQuery("select team, gpu_seconds, as_of from team_usage").getResultList();
        Map<String, DecayedUsage> out = new HashMap<>();
        for (Object[] r : rows) {
            out.put((String) r[0], new DecayedUsage(((Number) r[1]).doubleValue(), HistoryStore.instant(r[2])));
        }
        return out;
    }

    /**
     * The pending window: every team with pending work is in it (defect 11 of issue 8). The head of each team's queue
     * (its first {@code limit / teams with pending jobs} jobs by priority then age, at least one) comes first, then
     * the rest by priority then age, so one team's flood of URGENT jobs cannot push all others out of the window.
     */
    @SuppressWarnings("unchecked")
    private List<PendingRow> pending(Instant now, int limit) {
        List<Object[]> rows = em.createNativeQuery("with p as (select id, team, priority, resources, created_at, "
                        + "priority_weight, row_number() over (partition by team order by priority_weight desc, "
                        + "created_at) as rank from job where state = 'PENDING' "
                        + "and (not_before is null or not_before <= ?1)), "
                        + "n as (select greatest(1, ?2 / greatest(1, count(distinct team))) as head from p) "
                        + "select p.id, p.team, p.priority, cast(p.resources as text), p.created_at from p, n "
                        + "order by (p.rank <= n.head) desc, p.priority_weight desc, p.created_at limit ?2")
                .setParameter(1, now).setParameter(2, limit).getResultList();
        List<PendingRow> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(new PendingRow((UUID) r[0], (String) r[1], Priority.valueOf((String) r[2]), resources(r[3], r[0]),
                    HistoryStore.instant(r[4])));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private List<LiveRow> live() {
        List<Object[]> rows = em.createNativeQuery("select j.id, j.attempt, j.team, j.priority, cast(j.resources as text), "
                + "coalesce(a.started_at, a.created_at, j.updated_at), j.progress_eta, j.progress_at, "
                + "coalesce(j.labels ->> 'athanor.dev/checkpointable', 'false'), j.preempt_reason is not null, "
                + "j.admitted_flavor, j.preemptions from job j left join attempt a on a.job_id = j.id and a.number = j.attempt "
                + "where j.state in ('ADMITTED', 'LAUNCHING', 'RUNNING')").getResultList();
        List<LiveRow> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            Instant since = HistoryStore.instant(r[5]);
            Instant end = null;
            if (r[6] != null && r[7] != null) {
                double eta = ((Number) r[6]).doubleValue();
                if (eta >= 0 && eta < 1e9) {
                    end = HistoryStore.instant(r[7]).plusMillis((long) (eta * 1000));
                }
            }
            out.add(new LiveRow((UUID) r[0], ((Number) r[1]).intValue(), (String) r[2], Priority.valueOf((String) r[3]),
                    resources(r[4], r[0]), since, end, "true".equals(r[8]), Boolean.TRUE.equals(r[9]), (String) r[10],
                    ((Number) r[11]).intValue()));
        }
        return out;
    }

    /** Persists the teams' decayed usage. */
    @Transactional
    public void saveUsage(Map<String, DecayedUsage> usage) {
        for (Map.Entry<String, DecayedUsage> e : usage.entrySet()) {
            em.createNativeQuery("insert into team_usage (team, gpu_seconds, as_of) values (?1, ?2, ?3) "
                            + "on conflict (team) do update set gpu_seconds = excluded.gpu_seconds, as_of = excluded.as_of")
                    .setParameter(1, e.getKey()).setParameter(2, e.getValue().gpuSeconds())
                    .setParameter(3, e.getValue().asOf()).executeUpdate();
        }
    }

    /**
     * Publishes the queue: rows for {@code changed} are upserted, rows of jobs in {@code gone} deleted, in one
     * transaction with JDBC batches (a cycle can change thousands of positions at once).
     */
    public void publishQueue(Collection<PendingInfo> changed, Collection<String> gone, Instant at) {
        if (changed.isEmpty() && gone.isEmpty()) {
            return;
        }
        try (Connection c = ds.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                if (!gone.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("delete from queue_entry where job_id = ?")) {
                        for (String id : gone) {
                            ps.setObject(1, UUID.fromString(id));
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                if (!changed.isEmpty()) {
                    // Jobs that left PENDING meanwhile are skipped by the join (their row would only be deleted again).
                    try (PreparedStatement ps = c.prepareStatement("insert into queue_entry (job_id, team, flavor_queue, "
                            + "team_position, flavor_position, reason, message, estimated_start, updated_at) "
                            + "select ?, ?, ?, ?, ?, ?, ?, ?, ? where exists (select 1 from job where id = ? and state = 'PENDING') "
                            + "on conflict (job_id) do update set team = excluded.team, flavor_queue = excluded.flavor_queue, "
                            + "team_position = excluded.team_position, flavor_position = excluded.flavor_position, "
                            + "reason = excluded.reason, message = excluded.message, "
                            + "estimated_start = excluded.estimated_start, updated_at = excluded.updated_at")) {
                        Timestamp ts = Timestamp.from(at);
                        for (PendingInfo p : changed) {
                            UUID id = UUID.fromString(p.jobId());
                            ps.setObject(1, id);
                            ps.setString(2, p.team());
                            ps.setString(3, p.flavorQueue());
                            ps.setInt(4, p.teamPosition());
                            ps.setInt(5, p.flavorPosition());
                            ps.setString(6, p.reason().name());
                            ps.setString(7, p.message());
                            ps.setTimestamp(8, p.estimatedStart() == null ? null : Timestamp.from(p.estimatedStart()));
                            ps.setTimestamp(9, ts);
                            ps.setObject(10, id);
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(auto);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot publish the queue: " + e.getMessage(), e);
        }
    }

    /** Drops queue rows of jobs that are no longer pending (admitted, cancelled, failed) — safety net. */
    @Transactional
    public int pruneQueue() {
        return em.createNativeQuery("delete from queue_entry q where not exists "
                + "(select 1 from job j where j.id = q.job_id and j.state = 'PENDING')").executeUpdate();
    }

    private static Integer integer(Object o) {
        return o == null ? null : ((Number) o).intValue();
    }

    private static Resources resources(Object json, Object id) {
        try {
            return MAPPER.readValue((String) json, Resources.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt resources of job " + id, e);
        }
    }
}
