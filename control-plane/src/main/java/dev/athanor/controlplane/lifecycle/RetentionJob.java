package dev.athanor.controlplane.lifecycle;

import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.controlplane.store.HistoryStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;

/**
 * Deletes logs, metric points and ingest cursors of jobs that finished more than {@code athanor.retention.days}
 * ago, in bounded batches. Jobs, attempts and timelines are kept: they are small and they are the record.
 */
@ApplicationScoped
public class RetentionJob {
    private static final Logger LOG = Logger.getLogger(RetentionJob.class);
    private static final int BATCH = 10_000;

    @Inject
    AthanorConfig config;
    @Inject
    HistoryStore history;

    @Scheduled(every = "${athanor.retention.interval}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        purge(Instant.now());
    }

    /** Purges up to a bounded amount per call; returns rows deleted. */
    public int purge(Instant now) {
        int days = config.retention().days();
        if (days <= 0) {
            return 0;
        }
        Instant cutoff = now.minus(Duration.ofDays(days));
        int total = 0;
        for (int i = 0; i < 100; i++) {
            int n = history.purgeFinishedBefore(cutoff, BATCH);
            total += n;
            if (n == 0) {
                break;
            }
        }
        if (total > 0) {
            LOG.infof("retention: deleted %d log lines, metric points and cursors of jobs finished before %s", total, cutoff);
        }
        return total;
    }
}
