package dev.athanor.controlplane.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.JobState;
import dev.athanor.common.json.Json;
import dev.athanor.controlplane.live.LiveBus;
import dev.athanor.controlplane.store.JobStore;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Applies one polled batch of worker events in one transaction: de-duplicates replays with the per-worker seq
 * cursor, applies state-changing events (started, result) through {@link JobStore}, coalesces progress, heartbeats
 * and last-metrics to one update per job per batch, and bulk-inserts metric points, log lines and artifacts.
 * The caller commits Kafka offsets only after this returns.
 */
@ApplicationScoped
public class IngestService {

    private static final ObjectMapper MAPPER = Json.lenient();

    @Inject
    EntityManager em;
    @Inject
    JobStore jobs;
    @Inject
    MeterRegistry meters;

    /** What a batch did, for metrics and tests. */
    public record Outcome(int applied, int duplicates, int unknownJob, int late, int jobUpdates) {
    }

    private record WorkerKey(UUID jobId, int attempt, int worker) {
    }

    private record JobRow(String state, int attempt) {
        boolean accepts(int eventAttempt) {
            return eventAttempt == attempt && !JobState.valueOf(state).isTerminal();
        }
    }

    @Transactional
    public Outcome apply(List<WorkerEvent> batch) {
        if (batch.isEmpty()) {
            return new Outcome(0, 0, 0, 0, 0);
        }
        return em.unwrap(Session.class).doReturningWork(conn -> applyOn(conn, batch));
    }

    private Outcome applyOn(Connection c, List<WorkerEvent> batch) throws SQLException {
        UUID[] jobIds = batch.stream().map(WorkerEvent::jobId).distinct().toArray(UUID[]::new);
        Map<UUID, JobRow> jobRows = loadJobs(c, jobIds);
        Map<WorkerKey, Long> cursors = loadCursors(c, jobIds);

        // De-duplicate: keep events above the stored cursor, in seq order per worker.
        List<WorkerEvent> fresh = new ArrayList<>();
        Map<WorkerKey, Long> newCursor = new HashMap<>();
        int duplicates = 0;
        int unknown = 0;
        List<WorkerEvent> sorted = new ArrayList<>(batch);
        sorted.sort(Comparator.comparing(WorkerEvent::jobId).thenComparingInt(WorkerEvent::attempt)
                .thenComparingInt(WorkerEvent::worker).thenComparingLong(WorkerEvent::seq));
        for (WorkerEvent e : sorted) {
            if (!jobRows.containsKey(e.jobId())) {
                unknown++;
                continue;
            }
            WorkerKey k = new WorkerKey(e.jobId(), e.attempt(), e.worker());
            long seen = newCursor.getOrDefault(k, cursors.getOrDefault(k, 0L));
            if (e.seq() <= seen) {
                duplicates++;
                continue;
            }
            newCursor.put(k, e.seq());
            fresh.add(e);
        }

        // State-changing events first, through the store (row lock + state machine + timeline).
        for (WorkerEvent e : fresh) {
            if (e.payload() instanceof Payloads.Started s) {
                jobs.markStarted(e.jobId(), e.attempt(), s.host(), e.ts() == null ? JobStore.now() : e.ts());
            } else if (e.payload() instanceof Payloads.Result r) {
                jobs.recordResult(e.jobId(), e.attempt(), r.status().name(), r.message(), MAPPER.valueToTree(r));
            }
        }
        em.flush();
        // Whether an event is late is judged on the states before this batch: the progress a worker sent just
        // before its result still counts, anything for an attempt that had already ended does not.

        Map<UUID, WorkerEvent> lastProgress = new LinkedHashMap<>();
        Map<UUID, ObjectNode> lastMetrics = new LinkedHashMap<>();
        Map<WorkerKey, Instant> heartbeats = new LinkedHashMap<>();
        int late = 0;
        try (PreparedStatement metric = c.prepareStatement(
                "insert into metric_point (job_id, attempt, worker, name, step, value, at) values (?,?,?,?,?,?,?)");
             PreparedStatement log = c.prepareStatement(
                     "insert into log_line (job_id, attempt, worker, stream, line, at) values (?,?,?,?,?,?)");
             PreparedStatement artifact = c.prepareStatement(
                     "insert into artifact (job_id, attempt, worker, name, uri, size_bytes, sha256, kind, at) "
                             + "values (?,?,?,?,?,?,?,?,?) on conflict do nothing")) {
            for (WorkerEvent e : fresh) {
                JobRow row = jobRows.get(e.jobId());
                boolean current = row.accepts(e.attempt());
                Timestamp at = Timestamp.from(e.ts() == null ? Instant.now() : e.ts());
                Object payload = e.payload();
                if (payload instanceof Payloads.Progress p) {
                    if (current) {
                        lastProgress.put(e.jobId(), e);
                    } else {
                        late++;
                    }
                } else if (payload instanceof Payloads.Heartbeat) {
                    if (current) {
                        heartbeats.put(new WorkerKey(e.jobId(), e.attempt(), e.worker()), e.ts());
                    } else {
                        late++;
                    }
                } else if (payload instanceof Payloads.Metrics m) {
                    for (Map.Entry<String, Double> v : m.values().entrySet()) {
                        if (v.getValue() == null || v.getValue().isNaN() || v.getValue().isInfinite()) {
                            continue;
                        }
                        metric.setObject(1, e.jobId());
                        metric.setInt(2, e.attempt());
                        metric.setInt(3, e.worker());
                        metric.setString(4, truncate(v.getKey(), 128));
                        metric.setLong(5, m.step());
                        metric.setDouble(6, v.getValue());
                        metric.setTimestamp(7, at);
                        metric.addBatch();
                        if (current) {
                            lastMetrics.computeIfAbsent(e.jobId(), k -> MAPPER.createObjectNode())
                                    .put(truncate(v.getKey(), 128), v.getValue());
                        }
                    }
                    jobs.afterCommit(new LiveBus.Message(e.jobId(), "metrics", metricsData(e, m), false));
                } else if (payload instanceof Payloads.Log l) {
                    for (String line : l.lines()) {
                        log.setObject(1, e.jobId());
                        log.setInt(2, e.attempt());
                        log.setInt(3, e.worker());
                        log.setString(4, truncate(l.stream() == null ? "worker" : l.stream(), 16));
                        log.setString(5, truncate(line.replace('\u0000', ' '), 16_384));
                        log.setTimestamp(6, at);
                        log.addBatch();
                    }
                    jobs.afterCommit(new LiveBus.Message(e.jobId(), "log", logData(e, l), false));
                } else if (payload instanceof Payloads.Artifact a) {
                    artifact.setObject(1, e.jobId());
                    artifact.setInt(2, e.attempt());
                    artifact.setInt(3, e.worker());
                    artifact.setString(4, truncate(a.name(), 512));
                    artifact.setString(5, truncate(a.uri(), 2048));
                    artifact.setLong(6, a.sizeBytes());
                    artifact.setString(7, a.sha256());
                    artifact.setString(8, a.kind());
                    artifact.setTimestamp(9, at);
                    artifact.addBatch();
                    jobs.afterCommit(new LiveBus.Message(e.jobId(), "artifact", MAPPER.valueToTree(a), false));
                } else if (payload instanceof Payloads.Started) {
                    if (current) {
                        heartbeats.put(new WorkerKey(e.jobId(), e.attempt(), e.worker()), e.ts());
                    }
                }
            }
            metric.executeBatch();
            log.executeBatch();
            artifact.executeBatch();
        }

        int jobUpdates = 0;
        try (PreparedStatement up = c.prepareStatement(
                "update job set progress_step = coalesce(?, progress_step), progress_total = coalesce(?, progress_total), "
                        + "progress_eta = case when ? then ? else progress_eta end, "
                        + "progress_phase = coalesce(?, progress_phase), progress_at = coalesce(?, progress_at), "
                        + "last_metrics = case when ?::jsonb is null then last_metrics "
                        + "else coalesce(last_metrics, '{}'::jsonb) || ?::jsonb end "
                        + "where id = ? and attempt = ?")) {
            java.util.Set<UUID> touched = new java.util.LinkedHashSet<>(lastProgress.keySet());
            touched.addAll(lastMetrics.keySet());
            for (UUID id : touched) {
                WorkerEvent pe = lastProgress.get(id);
                Payloads.Progress p = pe == null ? null : (Payloads.Progress) pe.payload();
                ObjectNode m = lastMetrics.get(id);
                up.setObject(1, p == null ? null : p.step(), java.sql.Types.BIGINT);
                up.setObject(2, p == null ? null : p.total(), java.sql.Types.BIGINT);
                up.setBoolean(3, p != null);
                up.setObject(4, p == null || p.etaSeconds() < 0 ? null : p.etaSeconds(), java.sql.Types.DOUBLE);
                up.setString(5, p == null ? null : truncate(p.phase(), 64));
                up.setTimestamp(6, pe == null ? null : Timestamp.from(pe.ts() == null ? Instant.now() : pe.ts()));
                String mj = m == null ? null : m.toString();
                up.setString(7, mj);
                up.setString(8, mj);
                up.setObject(9, id);
                up.setInt(10, jobRows.get(id).attempt());
                up.addBatch();
                jobUpdates++;
                if (p != null) {
                    jobs.afterCommit(new LiveBus.Message(id, "progress", progressData(pe, p), false));
                }
            }
            up.executeBatch();
        }
        if (!heartbeats.isEmpty()) {
            try (PreparedStatement hb = c.prepareStatement(
                    // The control plane's clock, not the worker's: node clocks may drift; what matters is when we heard.
                    "update attempt set last_heartbeat = now() where job_id = ? and number = ? and finished_at is null")) {
                for (Map.Entry<WorkerKey, Instant> h : heartbeats.entrySet()) {
                    hb.setObject(1, h.getKey().jobId());
                    hb.setInt(2, h.getKey().attempt());
                    hb.addBatch();
                }
                hb.executeBatch();
            }
        }
        try (PreparedStatement cur = c.prepareStatement(
                "insert into event_cursor (job_id, attempt, worker, last_seq) values (?,?,?,?) on conflict (job_id, attempt, worker) "
                        + "do update set last_seq = greatest(event_cursor.last_seq, excluded.last_seq)")) {
            for (Map.Entry<WorkerKey, Long> e : newCursor.entrySet()) {
                cur.setObject(1, e.getKey().jobId());
                cur.setInt(2, e.getKey().attempt());
                cur.setInt(3, e.getKey().worker());
                cur.setLong(4, e.getValue());
                cur.addBatch();
            }
            cur.executeBatch();
        }
        meters.counter("athanor_ingest_events_total", "outcome", "applied").increment(fresh.size());
        meters.counter("athanor_ingest_events_total", "outcome", "duplicate").increment(duplicates);
        meters.counter("athanor_ingest_events_total", "outcome", "unknown_job").increment(unknown);
        meters.counter("athanor_ingest_events_total", "outcome", "late").increment(late);
        meters.counter("athanor_ingest_job_updates_total").increment(jobUpdates);
        return new Outcome(fresh.size(), duplicates, unknown, late, jobUpdates);
    }

    private static Map<UUID, JobRow> loadJobs(Connection c, UUID[] ids) throws SQLException {
        Map<UUID, JobRow> rows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("select id, state, attempt from job where id = any(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getObject(1, UUID.class), new JobRow(rs.getString(2), rs.getInt(3)));
                }
            }
        }
        return rows;
    }

    private static Map<WorkerKey, Long> loadCursors(Connection c, UUID[] ids) throws SQLException {
        Map<WorkerKey, Long> rows = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "select job_id, attempt, worker, last_seq from event_cursor where job_id = any(?)")) {
            ps.setArray(1, c.createArrayOf("uuid", ids));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(new WorkerKey(rs.getObject(1, UUID.class), rs.getInt(2), rs.getInt(3)), rs.getLong(4));
                }
            }
        }
        return rows;
    }

    private static ObjectNode progressData(WorkerEvent e, Payloads.Progress p) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("attempt", e.attempt());
        n.put("step", p.step());
        n.put("total", p.total());
        n.put("fraction", p.fraction());
        if (p.etaSeconds() >= 0) {
            n.put("etaSeconds", p.etaSeconds());
        }
        n.put("phase", p.phase());
        n.put("at", String.valueOf(e.ts()));
        return n;
    }

    private static ObjectNode metricsData(WorkerEvent e, Payloads.Metrics m) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("attempt", e.attempt());
        n.put("step", m.step());
        n.set("values", MAPPER.valueToTree(m.values()));
        return n;
    }

    private static ObjectNode logData(WorkerEvent e, Payloads.Log l) {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("attempt", e.attempt());
        n.put("worker", e.worker());
        n.put("stream", l.stream());
        n.set("lines", MAPPER.valueToTree(l.lines()));
        return n;
    }

    private static String truncate(String s, int max) {
        if (s == null) {
            return null;
        }
        return s.length() <= max ? s : s.substring(0, max);
    }
}
