package dev.athanor.controlplane.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.job.IllegalTransitionException;
import dev.athanor.common.job.JobState;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.job.StateMachine;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.controlplane.lifecycle.ExitPolicy;
import dev.athanor.controlplane.live.LiveBus;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.Query;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * The single place where jobs are created and change state. Every state change takes a row lock on the job,
 * checks the {@link StateMachine}, appends to the timeline and, once the transaction has committed, tells live
 * subscribers.
 */
@ApplicationScoped
public class JobStore {

    private static final ObjectMapper MAPPER = Json.lenient();

    /** A second job with the same (team, idempotency key). */
    public static class DuplicateKeyException extends RuntimeException {
        public DuplicateKeyException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Inject
    SubmitBatcher batcher;
    @Inject
    EntityManager em;
    @Inject
    LiveBus bus;
    @Inject
    TransactionSynchronizationRegistry tsr;
    @Inject
    MeterRegistry meters;
    @Inject
    dev.athanor.controlplane.config.AthanorConfig config;

    /** The result of a submission: the job and whether this call created it (false: idempotent replay). */
    public record Created(JobView job, boolean created) {
    }

    public record Page(List<JobView> items, String nextCursor) {
    }

    /**
     * {@code team}: one team or null; {@code teams}: the teams the caller may see, null for all (cluster admins);
     * an empty set matches nothing; {@code text}: a case-insensitive substring of the name or of a label key or
     * value, or null.
     */
    public record ListFilter(String team, Collection<String> states, String kind, Collection<String> teams,
                             String text) {
        public ListFilter(String team, Collection<String> states, String kind) {
            this(team, states, kind, null, null);
        }

        public ListFilter(String team, Collection<String> states, String kind, Collection<String> teams) {
            this(team, states, kind, teams, null);
        }
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    /** Whether {@code team} has at least {@code limit} PENDING jobs (counts no further than the limit). */
    @Transactional
    public boolean pendingAtLeast(String team, int limit) {
        Number n = (Number) em.createNativeQuery("select count(*) from (select 1 from job where team = ?1 "
                + "and state = 'PENDING' limit ?2) x").setParameter(1, team).setParameter(2, limit).getSingleResult();
        return n.intValue() >= limit;
    }

    @Transactional
    public Optional<JobView> findByIdempotencyKey(String team, String key) {
        List<JobEntity> found = em.createQuery("from JobEntity where team = :t and idempotencyKey = :k", JobEntity.class)
                .setParameter("t", team).setParameter("k", key).getResultList();
        return found.stream().findFirst().map(JobView::of);
    }

    /**
     * Inserts a new PENDING job and its first timeline entry, committed before this returns. Submissions are the
     * hottest write of the system: they are group-committed by {@link SubmitBatcher}.
     *
     * @throws DuplicateKeyException when the team already has a job with this idempotency key
     */
    public JobView create(JobSubmission s, JobSpec spec) {
        Instant now = now();
        JobEntity j = new JobEntity();
        j.id = UUID.randomUUID();
        j.name = s.name();
        j.team = s.team();
        j.kind = s.kind().name();
        j.state = JobState.PENDING.name();
        j.priority = s.priority().name();
        j.priorityWeight = s.priority().weight();
        j.labels = MAPPER.valueToTree(s.labels());
        j.idempotencyKey = s.idempotencyKey();
        j.resources = MAPPER.valueToTree(s.resources());
        j.spec = MAPPER.valueToTree(spec);
        j.maxAttempts = s.maxAttempts();
        j.retryBackoffSeconds = s.retryBackoffSeconds();
        j.maxRuntimeSeconds = s.maxRuntimeSeconds();
        j.reason = "Submitted";
        j.message = "queued for team " + s.team();
        j.createdAt = now;
        j.updatedAt = now;
        // Group commit (SubmitBatcher): one statement and one commit for all submissions arriving together.
        if (!batcher.insert(j)) {
            throw new DuplicateKeyException("a job with idempotency key '" + j.idempotencyKey + "' exists for team "
                    + j.team, null);
        }
        submitted.computeIfAbsent(j.kind, k -> meters.counter("athanor_jobs_submitted_total", "kind", k)).increment();
        return JobView.of(j);
    }

    private final java.util.Map<JobState, io.micrometer.core.instrument.Counter> transitions =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, io.micrometer.core.instrument.Counter> submitted =
            new java.util.concurrent.ConcurrentHashMap<>();

    @Transactional
    public Optional<JobView> get(UUID id) {
        return Optional.ofNullable(em.find(JobEntity.class, id)).map(JobView::of);
    }

    @Transactional
    public Page list(ListFilter f, Cursor after, int limit) {
        if (f.teams() != null && f.teams().isEmpty()) {
            return new Page(List.of(), null);
        }
        StringBuilder sql = new StringBuilder("select * from job where true");
        if (f.teams() != null) {
            sql.append(" and team in (:teams)");
        }
        if (f.team() != null) {
            sql.append(" and team = :team");
        }
        if (f.kind() != null) {
            sql.append(" and kind = :kind");
        }
        if (f.states() != null && !f.states().isEmpty()) {
            sql.append(" and state in (:states)");
        }
        if (f.text() != null) {
            sql.append(" and (name ilike :text escape '\\' or cast(labels as text) ilike :text escape '\\')");
        }
        if (after != null) {
            sql.append(" and (created_at, id) < (:cAt, :cId)");
        }
        sql.append(" order by created_at desc, id desc limit :lim");
        Query q = em.createNativeQuery(sql.toString(), JobEntity.class);
        if (f.teams() != null) {
            q.setParameter("teams", f.teams());
        }
        if (f.team() != null) {
            q.setParameter("team", f.team());
        }
        if (f.kind() != null) {
            q.setParameter("kind", f.kind());
        }
        if (f.states() != null && !f.states().isEmpty()) {
            q.setParameter("states", f.states());
        }
        if (f.text() != null) {
            q.setParameter("text", "%" + f.text().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%");
        }
        if (after != null) {
            q.setParameter("cAt", after.createdAt());
            q.setParameter("cId", after.id());
        }
        q.setParameter("lim", limit + 1);
        @SuppressWarnings("unchecked")
        List<JobEntity> rows = q.getResultList();
        String next = null;
        if (rows.size() > limit) {
            rows = rows.subList(0, limit);
            JobEntity last = rows.get(limit - 1);
            next = new Cursor(last.createdAt, last.id).encode();
        }
        return new Page(rows.stream().map(JobView::of).toList(), next);
    }

    @Transactional
    public List<TransitionEntity> timeline(UUID jobId) {
        return em.createQuery("from TransitionEntity where jobId = :j order by id", TransitionEntity.class)
                .setParameter("j", jobId).getResultList();
    }

    /** Running attempts whose last heartbeat (as ingested) is older than {@code timeout}. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<AttemptKey> staleHeartbeats(java.time.Duration timeout) {
        List<Object[]> rows = em.createNativeQuery("select a.job_id, a.number from attempt a join job j "
                        + "on j.id = a.job_id and j.attempt = a.number where j.state = 'RUNNING' and a.finished_at is null "
                        + "and a.last_heartbeat < now() - make_interval(secs => ?1)")
                .setParameter(1, (double) timeout.toSeconds()).getResultList();
        return rows.stream().map(r -> new AttemptKey((UUID) r[0], ((Number) r[1]).intValue())).toList();
    }

    /** Whether the worker's own verdict (its RESULT event) for this attempt has been ingested. */
    @Transactional
    public boolean hasResult(AttemptKey key) {
        AttemptEntity a = em.find(AttemptEntity.class, new AttemptEntity.Key(key.jobId(), key.attempt()));
        return a == null || a.result != null;
    }

    @Transactional
    public List<AttemptEntity> attempts(UUID jobId) {
        return em.createQuery("from AttemptEntity where id.jobId = :j order by id.number", AttemptEntity.class)
                .setParameter("j", jobId).getResultList();
    }

    /** What the watchdog needs of a live job: its current attempt and when its row last changed. */
    public record LiveAttempt(AttemptKey key, Instant updatedAt) {
    }

    /**
     * The current attempts of jobs in the given states: three columns, no entities, no spec or JSON (the watchdog
     * reads this every few seconds, so it must stay cheap with thousands of live jobs).
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<LiveAttempt> liveAttempts(Collection<String> states, int limit) {
        List<Object[]> rows = em.createNativeQuery("select id, attempt, updated_at from job where state in (:states) "
                + "order by priority_weight desc, created_at limit :limit").setParameter("states", states)
                .setParameter("limit", limit)
                .getResultList();
        return rows.stream().map(r -> new LiveAttempt(new AttemptKey((UUID) r[0], ((Number) r[1]).intValue()),
                dev.athanor.controlplane.store.HistoryStore.instant(r[2]))).toList();
    }

    /** Jobs in the given states, oldest first, for the dispatcher and recovery. */
    @Transactional
    public List<JobEntity> inStates(Collection<String> states, int limit) {
        List<JobEntity> rows = em.createQuery("from JobEntity where state in :s order by priorityWeight desc, createdAt",
                JobEntity.class).setParameter("s", states).setMaxResults(limit).getResultList();
        rows.forEach(em::detach);
        return rows;
    }

    /**
     * Moves a job to {@code to} under a row lock. Returns empty when the job does not exist or its current attempt
     * is not {@code expectedAttempt} (a stale caller). {@code mutate} may change other fields in the same update.
     *
     * @throws IllegalTransitionException when the state machine forbids the move
     */
    @Transactional
    public Optional<JobView> transition(UUID id, Integer expectedAttempt, JobState to, String reason, String message,
                                        Consumer<JobEntity> mutate) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || (expectedAttempt != null && j.attempt != expectedAttempt)) {
            return Optional.empty();
        }
        apply(j, to, reason, message, now());
        if (mutate != null) {
            mutate.accept(j);
        }
        return Optional.of(JobView.of(j));
    }

    /**
     * Admits a PENDING job: the next attempt is created and the intent to launch (LAUNCHING + deterministic name)
     * is recorded before any launcher is called.
     */
    @Transactional
    public Optional<JobView> admitAndRecordIntent(UUID id, String launcher, String why) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || !JobState.PENDING.name().equals(j.state)) {
            return Optional.empty();
        }
        return Optional.of(admit(j, launcher, why, null));
    }

    /** One admission of a batch: the job, why it was admitted, and the GPU flavor (null for CPU-only jobs). */
    public record Admit(UUID id, String why, String flavor) {
    }

    /**
     * Admits a whole scheduling cycle's jobs in one transaction: one row-lock query, then the job updates, attempt
     * rows and timeline rows as JDBC batches on the transaction's connection (a few round trips for the whole cycle
     * instead of several per job), then one commit. The intent of every attempt is recorded before any of them is
     * launched. Jobs that are no longer PENDING (cancelled meanwhile) are skipped. Returns the admitted jobs in the
     * order given.
     */
    @Transactional
    public List<JobView> admitAll(List<Admit> admits, String launcher) {
        if (admits.isEmpty()) {
            return List.of();
        }
        Map<UUID, Admit> byId = new java.util.LinkedHashMap<>();
        admits.forEach(a -> byId.put(a.id(), a));
        Instant now = now();
        java.sql.Timestamp ts = java.sql.Timestamp.from(now);
        List<UUID> admitted = new ArrayList<>(admits.size());
        Map<UUID, Integer> attemptOf = new HashMap<>();
        em.unwrap(org.hibernate.Session.class).doWork(c -> {
            try (java.sql.PreparedStatement lock = c.prepareStatement(
                    "select id, attempt from job where id = any(?) and state = 'PENDING' order by id for update")) {
                lock.setArray(1, c.createArrayOf("uuid", byId.keySet().toArray()));
                try (java.sql.ResultSet rs = lock.executeQuery()) {
                    while (rs.next()) {
                        UUID id = (UUID) rs.getObject(1);
                        attemptOf.put(id, rs.getInt(2) + 1);
                    }
                }
            }
            for (UUID id : byId.keySet()) {
                if (attemptOf.containsKey(id)) {
                    admitted.add(id);
                }
            }
            if (admitted.isEmpty()) {
                return;
            }
            try (java.sql.PreparedStatement job = c.prepareStatement("update job set attempt = ?, not_before = null, "
                    + "admitted_flavor = ?, state = 'LAUNCHING', reason = 'Launching', message = ?, updated_at = ?, "
                    + "version = version + 1 where id = ?");
                 java.sql.PreparedStatement att = c.prepareStatement("insert into attempt (job_id, number, state, "
                         + "launcher, launch_name, created_at, version) values (?, ?, 'LAUNCHING', ?, ?, ?, 0)");
                 java.sql.PreparedStatement tr = c.prepareStatement("insert into transition (job_id, attempt, "
                         + "from_state, to_state, reason, message, at) values (?, ?, ?, ?, ?, ?, ?)")) {
                for (UUID id : admitted) {
                    int n = attemptOf.get(id);
                    Admit a = byId.get(id);
                    AttemptKey key = new AttemptKey(id, n);
                    String launching = "attempt " + n + " → " + launcher + " as " + key.name();
                    job.setInt(1, n);
                    job.setString(2, a.flavor());
                    job.setString(3, launching);
                    job.setTimestamp(4, ts);
                    job.setObject(5, id);
                    job.addBatch();
                    att.setObject(1, id);
                    att.setInt(2, n);
                    att.setString(3, launcher);
                    att.setString(4, key.name());
                    att.setTimestamp(5, ts);
                    att.addBatch();
                    addTransition(tr, id, n, JobState.PENDING, JobState.ADMITTED, "Admitted", a.why(), ts);
                    addTransition(tr, id, n, JobState.ADMITTED, JobState.LAUNCHING, "Launching", launching, ts);
                }
                job.executeBatch();
                att.executeBatch();
                tr.executeBatch();
            }
        });
        if (admitted.isEmpty()) {
            return List.of();
        }
        Map<UUID, JobEntity> loaded = new HashMap<>();
        em.createQuery("from JobEntity where id in :ids", JobEntity.class).setParameter("ids", admitted)
                .getResultList().forEach(j -> loaded.put(j.id, j));
        List<JobView> out = new ArrayList<>(admitted.size());
        for (UUID id : admitted) {
            JobEntity j = loaded.get(id);
            count(JobState.ADMITTED);
            count(JobState.LAUNCHING);
            publishState(j, JobState.PENDING, JobState.ADMITTED, "Admitted", byId.get(id).why(), now);
            publishState(j, JobState.ADMITTED, JobState.LAUNCHING, "Launching", j.message, now);
            out.add(JobView.of(j));
        }
        return out;
    }

    private static void addTransition(java.sql.PreparedStatement ps, UUID id, int attempt, JobState from, JobState to,
                                      String reason, String message, java.sql.Timestamp at) throws java.sql.SQLException {
        ps.setObject(1, id);
        ps.setInt(2, attempt);
        ps.setString(3, from.name());
        ps.setString(4, to.name());
        ps.setString(5, reason);
        ps.setString(6, message);
        ps.setTimestamp(7, at);
        ps.addBatch();
    }

    private JobView admit(JobEntity j, String launcher, String why, String flavor) {
        Instant now = now();
        j.attempt += 1;
        j.notBefore = null;
        j.admittedFlavor = flavor;
        AttemptKey key = new AttemptKey(j.id, j.attempt);
        apply(j, JobState.ADMITTED, "Admitted", why, now);
        AttemptEntity a = new AttemptEntity();
        a.id = new AttemptEntity.Key(j.id, j.attempt);
        a.state = JobState.LAUNCHING.name();
        a.launcher = launcher;
        a.launchName = key.name();
        a.createdAt = now;
        em.persist(a);
        apply(j, JobState.LAUNCHING, "Launching", "attempt " + j.attempt + " → " + launcher + " as " + key.name(), now);
        return JobView.of(j);
    }

    /**
     * Cancels a job. Jobs not holding resources are CANCELLED at once; running ones are marked and must be stopped
     * by the caller (the job becomes CANCELLED when its workers have exited).
     *
     * @return the job, and whether its workers must be stopped
     * @throws IllegalTransitionException for a finished job
     */
    @Transactional
    public Optional<CancelResult> cancel(UUID id, String by) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null) {
            return Optional.empty();
        }
        JobState s = JobState.valueOf(j.state);
        if (s.isTerminal()) {
            throw new IllegalTransitionException(s, JobState.CANCELLED);
        }
        if (s == JobState.LAUNCHING || s == JobState.RUNNING) {
            if (!j.cancelRequested) {
                j.cancelRequested = true;
                j.updatedAt = now();
                j.message = "cancellation requested by " + by + "; stopping workers";
            }
            afterCommit(new LiveBus.Message(j.id, "state", JobView.of(j), false));
            return Optional.of(new CancelResult(JobView.of(j), true));
        }
        apply(j, JobState.CANCELLED, "Cancelled", "cancelled by " + by + " while " + s, now());
        finishAttempt(j, JobState.CANCELLED, null, "Cancelled", "cancelled while " + s, null);
        return Optional.of(new CancelResult(JobView.of(j), false));
    }

    public record CancelResult(JobView job, boolean stopWorkers) {
    }

    /**
     * Records the intent to preempt attempt {@code attempt} of {@code victim} for {@code preemptor}, before anyone
     * stops a worker: its exit then settles as PREEMPTED and the job is requeued. Both timelines say who preempted
     * whom and why. Returns false (and changes nothing) when the attempt is no longer live, already being
     * preempted, or being cancelled.
     */
    @Transactional
    public boolean recordPreemption(UUID victim, int attempt, UUID preemptor, String reason, String message) {
        JobEntity j = em.find(JobEntity.class, victim, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || j.attempt != attempt || j.preemptReason != null || j.cancelRequested
                || !JobState.valueOf(j.state).isActive()) {
            return false;
        }
        JobEntity p = preemptor == null ? null : em.find(JobEntity.class, preemptor);
        Instant now = now();
        String by = p == null ? "the scheduler" : "job " + p.name + " (" + p.id + ") of team " + p.team;
        j.preemptReason = reason;
        j.preemptMessage = "preempted for " + by + " (" + reason + "): " + message;
        j.preemptedBy = preemptor;
        j.updatedAt = now;
        j.reason = "PreemptionRequested";
        j.message = j.preemptMessage;
        em.persist(transition(j.id, j.attempt, JobState.valueOf(j.state), JobState.valueOf(j.state),
                "PreemptionRequested", j.preemptMessage, now));
        afterCommit(new LiveBus.Message(j.id, "state", JobView.of(j), false));
        if (p != null && JobState.PENDING.name().equals(p.state)) {
            em.persist(transition(p.id, p.attempt, JobState.PENDING, JobState.PENDING, "Preempting",
                    "stopping job " + j.name + " (" + j.id + ") of team " + j.team + " to make room (" + reason + "): "
                            + message, now));
        }
        return true;
    }

    /** Live attempts whose preemption was recorded (re-stopped after a restart or leadership change). */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<AttemptKey> preempting() {
        List<Object[]> rows = em.createNativeQuery("select id, attempt from job where preempt_reason is not null "
                + "and state in ('ADMITTED', 'LAUNCHING', 'RUNNING')").getResultList();
        return rows.stream().map(r -> new AttemptKey((UUID) r[0], ((Number) r[1]).intValue())).toList();
    }

    /**
     * Records why a PENDING job waits although it fits some day (nodes that could hold it are unavailable now) on the
     * job and, when it changed, in the timeline, without changing the state.
     */
    @Transactional
    public boolean noteWaiting(UUID id, String reason, String message) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || !JobState.PENDING.name().equals(j.state)
                || (java.util.Objects.equals(j.reason, reason) && java.util.Objects.equals(j.message, message))) {
            return false;
        }
        Instant now = now();
        j.reason = reason;
        j.message = message;
        j.updatedAt = now;
        em.persist(transition(j.id, j.attempt, JobState.PENDING, JobState.PENDING, reason, message, now));
        return true;
    }

    /**
     * Records why a launched attempt waits (e.g. the Kubernetes scheduler's Unschedulable message) on the job and,
     * when it changed, in the timeline, without changing the state. Ignored unless the attempt is current and
     * LAUNCHING.
     */
    @Transactional
    public boolean notePending(AttemptKey key, String reason, String message) {
        JobEntity j = em.find(JobEntity.class, key.jobId(), LockModeType.PESSIMISTIC_WRITE);
        if (j == null || j.attempt != key.attempt() || !JobState.LAUNCHING.name().equals(j.state)
                || (java.util.Objects.equals(j.reason, reason) && java.util.Objects.equals(j.message, message))) {
            return false;
        }
        Instant now = now();
        j.reason = reason;
        j.message = message;
        j.updatedAt = now;
        em.persist(transition(j.id, j.attempt, JobState.LAUNCHING, JobState.LAUNCHING, reason, message, now));
        ObjectNode data = MAPPER.createObjectNode();
        data.put("from", j.state);
        data.put("to", j.state);
        data.put("reason", reason);
        data.put("message", message);
        data.put("attempt", j.attempt);
        data.put("at", now.toString());
        afterCommit(new LiveBus.Message(j.id, "state", data, false));
        return true;
    }

    /** The worker reported it started: LAUNCHING → RUNNING (ignored for stale attempts or other states). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void markStarted(UUID id, int attempt, String host, Instant at) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || j.attempt != attempt || !JobState.LAUNCHING.name().equals(j.state)) {
            return;
        }
        apply(j, JobState.RUNNING, "Started", "attempt " + attempt + " running on " + host, now());
        if (j.startedAt == null) {
            j.startedAt = at;
        }
        AttemptEntity a = em.find(AttemptEntity.class, new AttemptEntity.Key(id, attempt));
        if (a != null && !a.finished()) {
            a.state = JobState.RUNNING.name();
            a.startedAt = at;
        }
    }

    /** The worker reported its verdict. Success ends the job at once; other verdicts are settled on exit. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recordResult(UUID id, int attempt, String status, String message, JsonNode result) {
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null || j.attempt != attempt) {
            return;
        }
        AttemptEntity a = em.find(AttemptEntity.class, new AttemptEntity.Key(id, attempt));
        if (a == null) {
            return;
        }
        if (a.finished()) {
            // The exit was settled first: keep the verdict's data, never change the state.
            if (a.result == null) {
                a.result = result;
            }
            if (j.result == null) {
                j.result = result;
            }
            return;
        }
        a.result = result;
        JobState s = JobState.valueOf(j.state);
        // One worker's success ends a single-worker job at once. A gang succeeds only when the launcher saw every
        // worker exit 0 (settleExit), never on the first worker's verdict.
        boolean singleWorker = j.resources == null || j.resources.path("workers").asInt(1) <= 1;
        if ("SUCCEEDED".equals(status) && singleWorker && !s.isTerminal() && !j.cancelRequested
                && StateMachine.canTransition(s, JobState.SUCCEEDED)) {
            apply(j, JobState.SUCCEEDED, "Completed", message == null ? "the worker reported success" : message, now());
            j.result = result;
            finishAttempt(j, JobState.SUCCEEDED, 0, "Completed", message, null);
        } else {
            j.result = result;
        }
    }

    /**
     * An attempt's workers have all stopped: settle the attempt and decide the job's fate (success, cancel, retry
     * with backoff, failure). Exits of stale attempts or finished jobs only complete the attempt's record.
     */
    @Transactional
    public Optional<JobView> settleExit(AttemptExit exit) {
        UUID id = exit.key().jobId();
        JobEntity j = em.find(JobEntity.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (j == null) {
            return Optional.empty();
        }
        AttemptEntity a = em.find(AttemptEntity.class, new AttemptEntity.Key(id, exit.key().attempt()));
        JsonNode lines = MAPPER.valueToTree(exit.lastLines());
        if (a != null && a.finished()) {
            if (a.exitCode == null) {
                a.exitCode = exit.exitCode();
                a.lastLines = lines;
            }
            return Optional.of(JobView.of(j));
        }
        JobState s = JobState.valueOf(j.state);
        if (j.attempt != exit.key().attempt() || s.isTerminal() || !(s == JobState.LAUNCHING || s == JobState.RUNNING)) {
            if (a != null) {
                finishAttemptRow(a, exit.succeeded() ? JobState.SUCCEEDED : JobState.FAILED, exit.exitCode(),
                        exit.reason(), exit.message(), lines);
            }
            return Optional.of(JobView.of(j));
        }
        Instant now = now();
        if (j.preemptReason != null && !j.cancelRequested && !exit.succeeded()) {
            String why = j.preemptMessage + " (attempt " + j.attempt + " stopped: " + exit.reason()
                    + (exit.exitCode() >= 0 ? ", exit " + exit.exitCode() : "") + ")";
            apply(j, JobState.PREEMPTED, "Preempted", why, now);
            finishAttempt(j, JobState.PREEMPTED, exit.exitCode(), "Preempted", why, lines);
            j.preemptions += 1;
            j.preemptReason = null;
            j.preemptMessage = null;
            j.preemptedBy = null;
            apply(j, JobState.PENDING, "Requeued", "attempt " + (j.attempt + 1) + " waits for admission; the job keeps "
                    + "its place in the queue (submitted " + j.createdAt + ") and this attempt does not count "
                    + "against maxAttempts", now);
            return Optional.of(JobView.of(j));
        }
        // Attempts that ended by preemption or whose launch was refused for now do not count against maxAttempts.
        ExitPolicy.Decision d = ExitPolicy.decide(exit, j.cancelRequested,
                j.attempt - j.preemptions - j.launchRefusals, j.maxAttempts, j.retryBackoffSeconds, now);
        String message = d.message();
        if (!exit.succeeded() && !exit.lastLines().isEmpty()) {
            message = message + "\nlast lines:\n" + String.join("\n", tail(exit.lastLines(), 20));
        }
        switch (d.outcome()) {
            case SUCCEEDED, CANCELLED, FAILED -> {
                apply(j, d.finalState(), d.reason(), message, now);
                finishAttempt(j, d.finalState(), exit.exitCode(), d.reason(), message, lines);
            }
            case REFUSED -> {
                j.launchRefusals += 1;
                Instant at = now.plus(ExitPolicy.refusalBackoff(config.dispatch().refusalBackoff(),
                        config.dispatch().refusalBackoffMax(), j.launchRefusals));
                apply(j, JobState.RETRYING, d.reason(), message, now);
                finishAttempt(j, JobState.FAILED, exit.exitCode(), d.reason(), message, lines);
                j.notBefore = at;
                apply(j, JobState.PENDING, "Backoff", "launch refused " + j.launchRefusals + " time(s); attempt "
                        + (j.attempt + 1) + " not before " + at + " (refusals do not count against maxAttempts)", now);
            }
            case RETRY -> {
                apply(j, JobState.RETRYING, d.reason(), message, now);
                finishAttempt(j, JobState.FAILED, exit.exitCode(), d.reason(), message, lines);
                j.notBefore = d.retryAt();
                apply(j, JobState.PENDING, "Backoff", "attempt " + (j.attempt + 1) + " not before " + d.retryAt(), now);
            }
        }
        return Optional.of(JobView.of(j));
    }

    private static List<String> tail(List<String> lines, int n) {
        return lines.size() <= n ? lines : lines.subList(lines.size() - n, lines.size());
    }

    private void finishAttempt(JobEntity j, JobState state, Integer exitCode, String reason, String message, JsonNode lines) {
        if (j.attempt == 0) {
            return;
        }
        AttemptEntity a = em.find(AttemptEntity.class, new AttemptEntity.Key(j.id, j.attempt));
        if (a != null && !a.finished()) {
            finishAttemptRow(a, state, exitCode, reason, message, lines);
        }
    }

    private static void finishAttemptRow(AttemptEntity a, JobState state, Integer exitCode, String reason,
                                         String message, JsonNode lines) {
        a.state = state.name();
        a.finishedAt = now();
        a.exitCode = exitCode;
        a.reason = reason;
        a.message = message;
        if (lines != null) {
            a.lastLines = lines;
        }
    }

    /** Applies a checked transition to a locked entity and appends it to the timeline. */
    private void apply(JobEntity j, JobState to, String reason, String message, Instant now) {
        JobState from = JobState.valueOf(j.state);
        StateMachine.check(from, to);
        j.state = to.name();
        j.reason = reason;
        j.message = message;
        j.updatedAt = now;
        if (to.isTerminal()) {
            j.finishedAt = now;
        }
        em.persist(transition(j.id, j.attempt, from, to, reason, message, now));
        count(to);
        publishState(j, from, to, reason, message, now);
    }

    private void count(JobState to) {
        transitions.computeIfAbsent(to, t -> meters.counter("athanor_job_transitions_total", "to", t.name())).increment();
    }

    /** Tells live subscribers about a state change once the transaction has committed. */
    private void publishState(JobEntity j, JobState from, JobState to, String reason, String message, Instant now) {
        ObjectNode data = MAPPER.createObjectNode();
        data.put("from", from.name());
        data.put("to", to.name());
        data.put("reason", reason);
        data.put("message", message);
        data.put("attempt", j.attempt);
        data.put("at", now.toString());
        afterCommit(new LiveBus.Message(j.id, "state", data, to.isTerminal()));
    }

    private static TransitionEntity transition(UUID jobId, int attempt, JobState from, JobState to, String reason,
                                               String message, Instant at) {
        TransitionEntity t = new TransitionEntity();
        t.jobId = jobId;
        t.attempt = attempt;
        t.fromState = from == null ? null : from.name();
        t.toState = to.name();
        t.reason = reason;
        t.message = message;
        t.at = at;
        return t;
    }

    /** Publishes to live subscribers once (and only if) the current transaction commits. */
    public void afterCommit(LiveBus.Message m) {
        List<LiveBus.Message> pending = pendingMessages();
        pending.add(m);
    }

    @SuppressWarnings("unchecked")
    private List<LiveBus.Message> pendingMessages() {
        Object key = LiveBus.class;
        List<LiveBus.Message> list = (List<LiveBus.Message>) tsr.getResource(key);
        if (list == null) {
            List<LiveBus.Message> fresh = new ArrayList<>();
            tsr.putResource(key, fresh);
            tsr.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {
                }

                @Override
                public void afterCompletion(int status) {
                    if (status == Status.STATUS_COMMITTED) {
                        fresh.forEach(bus::publish);
                    }
                }
            });
            return fresh;
        }
        return list;
    }
}
