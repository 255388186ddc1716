package dev.athanor.controlplane.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/** Read side of what workers reported: metric series, logs and artifacts. They outlive the worker. */
@ApplicationScoped
public class HistoryStore {

    @Inject
    EntityManager em;

    public record MetricPoint(int attempt, int worker, long step, double value, Instant at) {
    }

    public record LogLine(long id, int attempt, int worker, String stream, String line, Instant at) {
    }

    public record Artifact(int attempt, int worker, String name, String uri, long sizeBytes, String sha256, String kind,
                           Instant at) {
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<String> metricNames(UUID jobId) {
        return em.createNativeQuery("select distinct name from metric_point where job_id = ?1 order by name")
                .setParameter(1, jobId).getResultList();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<MetricPoint> metric(UUID jobId, String name, int limit) {
        List<Object[]> rows = em.createNativeQuery("select attempt, worker, step, value, at from metric_point "
                        + "where job_id = ?1 and name = ?2 order by attempt, step, at limit ?3")
                .setParameter(1, jobId).setParameter(2, name).setParameter(3, limit).getResultList();
        return rows.stream().map(r -> new MetricPoint(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                ((Number) r[2]).longValue(), ((Number) r[3]).doubleValue(), instant(r[4]))).toList();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<LogLine> logs(UUID jobId, Integer attempt, long afterId, int limit) {
        String sql = "select id, attempt, worker, stream, line, at from log_line where job_id = ?1 and id > ?2"
                + (attempt == null ? "" : " and attempt = ?4") + " order by id limit ?3";
        var q = em.createNativeQuery(sql).setParameter(1, jobId).setParameter(2, afterId).setParameter(3, limit);
        if (attempt != null) {
            q.setParameter(4, attempt);
        }
        List<Object[]> rows = q.getResultList();
        return rows.stream().map(r -> new LogLine(((Number) r[0]).longValue(), ((Number) r[1]).intValue(),
                ((Number) r[2]).intValue(), (String) r[3], (String) r[4], instant(r[5]))).toList();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<Artifact> artifacts(UUID jobId) {
        List<Object[]> rows = em.createNativeQuery("select attempt, worker, name, uri, size_bytes, sha256, kind, at "
                + "from artifact where job_id = ?1 order by attempt, worker, name").setParameter(1, jobId).getResultList();
        return rows.stream().map(r -> new Artifact(((Number) r[0]).intValue(), ((Number) r[1]).intValue(),
                (String) r[2], (String) r[3], ((Number) r[4]).longValue(), (String) r[5], (String) r[6],
                instant(r[7]))).toList();
    }

    public static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof OffsetDateTime odt) {
            return odt.toInstant();
        }
        return Instant.parse(o.toString());
    }
}
