package dev.athanor.controlplane.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.controlplane.store.HistoryStore;
import dev.athanor.controlplane.store.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Query;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The audit log of admin actions (quota changes, token creation and revocation, membership changes, forced
 * cancels), table {@code audit_event}, written in the caller's transaction: the entry commits with the change or not
 * at all.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    private static final ObjectMapper MAPPER = Json.lenient();

    public record Event(long id, Instant at, String actor, String action, String target, JsonNode details) {
    }

    @Inject
    EntityManager em;

    /**
     * Records {@code action} (e.g. {@code quota.update}) by {@code actor} on {@code target} (e.g. {@code team/vision});
     * {@code details} is any JSON-serializable value (never a secret).
     */
    @Transactional
    public void record(Caller actor, String action, String target, Object details) {
        String json;
        try {
            json = details == null ? null : MAPPER.writeValueAsString(details);
        } catch (IOException e) {
            throw new UncheckedIOException("audit details of " + action + " are not serializable", e);
        }
        Query q = em.createNativeQuery("insert into audit_event (at, actor, action, target, details) values (?1, ?2, ?3, ?4, "
                        + (json == null ? "null" : "cast(?5 as jsonb)") + ")")
                .setParameter(1, JobStore.now()).setParameter(2, actor.subject()).setParameter(3, action)
                .setParameter(4, target);
        if (json != null) {
            q.setParameter(5, json);
        }
        q.executeUpdate();
        LOG.infof("audit: %s %s %s", actor.subject(), action, target);
    }

    /** Newest first, entries with id below {@code beforeId} (null: from the newest), optionally filtered. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<Event> list(Long beforeId, String action, String actor, String target, int limit) {
        StringBuilder sql = new StringBuilder("select id, at, actor, action, target, cast(details as text) "
                + "from audit_event where true");
        if (beforeId != null) {
            sql.append(" and id < :before");
        }
        if (action != null) {
            sql.append(" and action = :action");
        }
        if (actor != null) {
            sql.append(" and actor = :actor");
        }
        if (target != null) {
            sql.append(" and target = :target");
        }
        sql.append(" order by id desc limit :lim");
        Query q = em.createNativeQuery(sql.toString());
        if (beforeId != null) {
            q.setParameter("before", beforeId);
        }
        if (action != null) {
            q.setParameter("action", action);
        }
        if (actor != null) {
            q.setParameter("actor", actor);
        }
        if (target != null) {
            q.setParameter("target", target);
        }
        q.setParameter("lim", limit);
        return ((List<Object[]>) q.getResultList()).stream().map(r -> {
            JsonNode d = null;
            try {
                d = r[5] == null ? null : MAPPER.readTree((String) r[5]);
            } catch (IOException e) {
                // stored by us as JSON: cannot happen
            }
            return new Event(((Number) r[0]).longValue(), HistoryStore.instant(r[1]), (String) r[2], (String) r[3],
                    (String) r[4], d);
        }).toList();
    }
}
