package dev.athanor.controlplane.store;

import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Group commit for submissions. Concurrent submissions queue their new job rows; one writer thread takes whatever
 * is queued (up to {@value #MAX_BATCH}) and inserts the jobs and their first timeline rows in one statement and one
 * commit. Nobody waits for a batch to fill: while one batch is being written, the next one gathers by itself.
 * A caller returns only after its row is committed, so an acknowledged job is never lost.
 */
@ApplicationScoped
public class SubmitBatcher {
    private static final Logger LOG = Logger.getLogger(SubmitBatcher.class);
    static final int MAX_BATCH = 128;
    private static final String COLUMNS = "(id, name, team, kind, state, priority, priority_weight, labels, "
            + "idempotency_key, resources, spec, max_attempts, retry_backoff_seconds, max_runtime_seconds, attempt, "
            + "cancel_requested, reason, message, created_at, updated_at, version)";
    private static final String ROW = "(?, ?, ?, ?, ?, ?, ?, cast(? as jsonb), ?, cast(? as jsonb), cast(? as jsonb), "
            + "?, ?, ?, 0, false, ?, ?, ?, ?, 0)";

    private record Pending(JobEntity job, CompletableFuture<Boolean> inserted) {
    }

    @Inject
    DataSource dataSource;

    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private volatile Thread writer;
    private volatile boolean stopping;

    /**
     * Inserts the job and its first timeline entry; blocks until committed.
     *
     * @return false when the team already has a job with this idempotency key (nothing was inserted)
     */
    public boolean insert(JobEntity j) {
        ensureWriter();
        Pending p = new Pending(j, new CompletableFuture<>());
        queue.add(p);
        try {
            return p.inserted().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while storing the job", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof RuntimeException re ? re : new IllegalStateException("cannot store job: " + c.getMessage(), c);
        } catch (TimeoutException e) {
            throw new IllegalStateException("storing the job timed out (is PostgreSQL reachable?)", e);
        }
    }

    private void ensureWriter() {
        if (writer == null) {
            synchronized (this) {
                if (writer == null) {
                    Thread t = new Thread(this::loop, "athanor-submit-writer");
                    t.setDaemon(true);
                    t.start();
                    writer = t;
                }
            }
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        stopping = true;
        Thread t = writer;
        if (t != null) {
            t.interrupt();
        }
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>(MAX_BATCH);
        while (!stopping) {
            try {
                Pending first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                write(batch);
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                LOG.error("submission writer failed", e);
                batch.forEach(p -> p.inserted().completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
        Pending p;
        while ((p = queue.poll()) != null) {
            p.inserted().completeExceptionally(new IllegalStateException("the control plane is shutting down"));
        }
    }

    /** Writes {@code jobs} as one batch in the caller's thread, the writer's own path (for tests). */
    List<CompletableFuture<Boolean>> writeBatch(List<JobEntity> jobs) {
        List<Pending> batch = jobs.stream().map(j -> new Pending(j, new CompletableFuture<>())).toList();
        write(batch);
        return batch.stream().map(Pending::inserted).toList();
    }

    /**
     * Writes the batch in one statement; when that fails, writes it again row by row so that one bad row (or one
     * row's fault of any kind) fails only its own submission, never the others of the batch.
     */
    private void write(List<Pending> batch) {
        try (Connection c = dataSource.getConnection()) {
            Set<UUID> inserted = insert(c, batch);
            for (Pending p : batch) {
                p.inserted().complete(inserted.contains(p.job().id));
            }
        } catch (SQLException e) {
            if (batch.size() > 1) {
                LOG.warnf("a batch of %d submissions failed (%s); writing them one by one", batch.size(),
                        e.getSQLState());
                for (Pending p : batch) {
                    write(List.of(p));
                }
                return;
            }
            IllegalStateException failure = new IllegalStateException("cannot store job: " + e.getMessage(), e);
            batch.forEach(p -> p.inserted().completeExceptionally(failure));
        }
    }

    private static Set<UUID> insert(Connection c, List<Pending> batch) throws SQLException {
        StringBuilder sql = new StringBuilder(256 + batch.size() * ROW.length()).append("with j as (insert into job ")
                .append(COLUMNS).append(" values ");
        for (int i = 0; i < batch.size(); i++) {
            sql.append(i == 0 ? "" : ", ").append(ROW);
        }
        sql.append(" on conflict do nothing returning id, state, reason, message, created_at), "
                + "t as (insert into transition (job_id, attempt, from_state, to_state, reason, message, at) "
                + "select id, 0, null, state, reason, message, created_at from j) select id from j");
        try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
            int k = 1;
            for (Pending p : batch) {
                JobEntity j = p.job();
                OffsetDateTime at = OffsetDateTime.ofInstant(j.createdAt, ZoneOffset.UTC);
                ps.setObject(k++, j.id);
                ps.setString(k++, j.name);
                ps.setString(k++, j.team);
                ps.setString(k++, j.kind);
                ps.setString(k++, j.state);
                ps.setString(k++, j.priority);
                ps.setInt(k++, j.priorityWeight);
                ps.setString(k++, j.labels.toString());
                ps.setString(k++, j.idempotencyKey);
                ps.setString(k++, j.resources.toString());
                ps.setString(k++, j.spec.toString());
                ps.setInt(k++, j.maxAttempts);
                ps.setInt(k++, j.retryBackoffSeconds);
                ps.setLong(k++, j.maxRuntimeSeconds);
                ps.setString(k++, j.reason);
                ps.setString(k++, j.message);
                ps.setObject(k++, at);
                ps.setObject(k++, at);
            }
            Set<UUID> ids = new HashSet<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
            return ids;
        }
    }
}
