package dev.athanor.controlplane.scheduling;

import dev.athanor.controlplane.store.HistoryStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Reads the queue the leader publishes (table {@code queue_entry}). Any replica can answer from it. */
@ApplicationScoped
public class QueueStore {

    @Inject
    EntityManager em;

    /** One pending job's place in the queues. */
    public record Entry(UUID jobId, String name, String team, String priority, long gpus, String flavorQueue,
                        int teamPosition, int flavorPosition, String reason, String message, Instant estimatedStart,
                        Instant submittedAt, Instant updatedAt) {
    }

    /** Counts per queue and reason. */
    public record Count(String team, String flavorQueue, String reason, long jobs, long gpus) {
    }

    private static final String SELECT = "select q.job_id, j.name, q.team, j.priority, "
            + "(j.resources ->> 'gpusPerWorker')::int * (j.resources ->> 'workers')::int, q.flavor_queue, "
            + "q.team_position, q.flavor_position, q.reason, q.message, q.estimated_start, j.created_at, q.updated_at "
            + "from queue_entry q join job j on j.id = q.job_id and j.state = 'PENDING' ";

    /**
     * Entries visible to {@code teams} (null: all), optionally of one team and/or flavor queue, in queue order:
     * by team position when a team is given, else by flavor queue and flavor position.
     */
    @Transactional
    public List<Entry> entries(Collection<String> teams, String team, String flavor, int offset, int limit) {
        if (teams != null && teams.isEmpty()) {
            return List.of();
        }
        StringBuilder sql = new StringBuilder(SELECT).append("where true ");
        if (teams != null) {
            sql.append("and q.team in (:teams) ");
        }
        if (team != null) {
            sql.append("and q.team = :team ");
        }
        if (flavor != null) {
            sql.append("and q.flavor_queue = :flavor ");
        }
        sql.append(team != null ? "order by q.team_position, q.job_id " : "order by q.flavor_queue, q.flavor_position, q.job_id ");
        sql.append("offset :offset limit :limit");
        Query q = em.createNativeQuery(sql.toString());
        if (teams != null) {
            q.setParameter("teams", teams);
        }
        if (team != null) {
            q.setParameter("team", team);
        }
        if (flavor != null) {
            q.setParameter("flavor", flavor);
        }
        q.setParameter("offset", offset).setParameter("limit", limit);
        return rows(q);
    }

    @Transactional
    public Optional<Entry> entry(UUID jobId) {
        return rows(em.createNativeQuery(SELECT + "where q.job_id = ?1").setParameter(1, jobId)).stream().findFirst();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<Count> counts(Collection<String> teams) {
        List<Object[]> rows = em.createNativeQuery("select q.team, q.flavor_queue, q.reason, count(*), "
                + "sum((j.resources ->> 'gpusPerWorker')::int * (j.resources ->> 'workers')::int) "
                + "from queue_entry q join job j on j.id = q.job_id and j.state = 'PENDING' "
                + "group by 1, 2, 3 order by 1, 2, 3").getResultList();
        List<Count> out = new ArrayList<>();
        for (Object[] r : rows) {
            if (teams == null || teams.contains((String) r[0])) {
                out.add(new Count((String) r[0], (String) r[1], (String) r[2], ((Number) r[3]).longValue(),
                        ((Number) r[4]).longValue()));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Entry> rows(Query q) {
        List<Object[]> rows = q.getResultList();
        List<Entry> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(new Entry((UUID) r[0], (String) r[1], (String) r[2], (String) r[3], ((Number) r[4]).longValue(),
                    (String) r[5], ((Number) r[6]).intValue(), ((Number) r[7]).intValue(), (String) r[8],
                    (String) r[9], HistoryStore.instant(r[10]), HistoryStore.instant(r[11]), HistoryStore.instant(r[12])));
        }
        return out;
    }
}
