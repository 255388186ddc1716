package dev.athanor.controlplane.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;

/**
 * The deletes behind each table's retention rule (docs/operations.md, "Retention"). Every method deletes at most
 * {@code batch} rows of its driving table in one short transaction, so a sweep never holds long locks.
 */
@ApplicationScoped
public class RetentionStore {

    @Inject
    EntityManager em;

    /** Logs, metric points and ingest cursors of jobs finished before {@code cutoff}. */
    @Transactional
    public int purgeSeriesOfJobsFinishedBefore(Instant cutoff, int batch) {
        int n = 0;
        n += em.createNativeQuery("delete from log_line where id in (select l.id from log_line l join job j on j.id = l.job_id "
                + "where j.finished_at < ?1 limit ?2)").setParameter(1, cutoff).setParameter(2, batch).executeUpdate();
        n += em.createNativeQuery("delete from metric_point where ctid in (select m.ctid from metric_point m join job j "
                + "on j.id = m.job_id where j.finished_at < ?1 limit ?2)").setParameter(1, cutoff).setParameter(2, batch)
                .executeUpdate();
        n += em.createNativeQuery("delete from event_cursor where ctid in (select c.ctid from event_cursor c join job j "
                + "on j.id = c.job_id where j.finished_at < ?1 limit ?2)").setParameter(1, cutoff).setParameter(2, batch)
                .executeUpdate();
        return n;
    }

    /**
     * Finished jobs themselves, with everything that hangs off them by foreign key (attempts, transitions, artifacts'
     * metadata, any series and queue rows left). A live job is never touched: only rows with {@code finished_at} set.
     */
    @Transactional
    public int purgeJobsFinishedBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("delete from job where id in (select id from job where finished_at < ?1 "
                + "order by finished_at limit ?2)").setParameter(1, cutoff).setParameter(2, batch).executeUpdate();
    }

    /** Audit events recorded before {@code cutoff}. */
    @Transactional
    public int purgeAuditBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("delete from audit_event where id in (select id from audit_event where at < ?1 "
                + "order by id limit ?2)").setParameter(1, cutoff).setParameter(2, batch).executeUpdate();
    }

    /** API tokens that were revoked or expired before {@code cutoff}; they can never authenticate again. */
    @Transactional
    public int purgeDeadTokensBefore(Instant cutoff, int batch) {
        return em.createNativeQuery("delete from api_token where id in (select id from api_token where revoked_at < ?1 "
                + "or expires_at < ?1 limit ?2)").setParameter(1, cutoff).setParameter(2, batch).executeUpdate();
    }
}
