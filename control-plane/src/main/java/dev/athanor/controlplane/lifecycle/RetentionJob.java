package dev.athanor.controlplane.lifecycle;

import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.controlplane.store.RetentionStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BiFunction;

/**
 * Applies each table's retention rule (docs/operations.md, "Retention"), in bounded batches:
 * <ul>
 *   <li>logs, metric points and ingest cursors of jobs finished more than {@code athanor.retention.days} ago;</li>
 *   <li>finished jobs (with attempts, timeline, artifact metadata, queue rows) after {@code athanor.retention.job-days};</li>
 *   <li>audit events, and revoked or expired API tokens, after {@code athanor.retention.audit-days}.</li>
 * </ul>
 * Live jobs are never deleted; a value of 0 keeps that data forever.
 */
@ApplicationScoped
public class RetentionJob {
    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    static final int BATCH = 10_000;
    private static final int JOB_BATCH = 1_000;
    private static final int MAX_BATCHES = 100;

    @Inject
    AthanorConfig config;
    @Inject
    RetentionStore store;

    @Scheduled(every = "${athanor.retention.interval}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        purge(Instant.now());
    }

    /** Purges up to a bounded amount per rule and call; returns the rows deleted. */
    public int purge(Instant now) {
        AthanorConfig.Retention r = config.retention();
        return apply("log lines, metric points and cursors of jobs finished", r.days(), BATCH, now,
                store::purgeSeriesOfJobsFinishedBefore)
                + apply("jobs finished", r.jobDays(), JOB_BATCH, now, store::purgeJobsFinishedBefore)
                + apply("audit events recorded", r.auditDays(), BATCH, now, store::purgeAuditBefore)
                + apply("API tokens revoked or expired", r.auditDays(), BATCH, now, store::purgeDeadTokensBefore);
    }

    private static int apply(String what, int days, int batch, Instant now,
                             BiFunction<Instant, Integer, Integer> delete) {
        if (days <= 0) {
            return 0;
        }
        Instant cutoff = now.minus(Duration.ofDays(days));
        int total = 0;
        for (int i = 0; i < MAX_BATCHES; i++) {
            int n = delete.apply(cutoff, batch);
            total += n;
            if (n == 0) {
                break;
            }
        }
        if (total > 0) {
            LOG.infof("retention: deleted %d rows: %s before %s", total, what, cutoff);
        }
        return total;
    }
}
