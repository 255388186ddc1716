package dev.athanor.controlplane.auth;

import dev.athanor.controlplane.store.HistoryStore;
import dev.athanor.controlplane.store.JobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Subjects, memberships and API tokens in PostgreSQL (V3__identity.sql). Every method joins the caller's transaction,
 * so a change and its audit entry commit together. Secrets never reach this class: only their SHA-256.
 */
@ApplicationScoped
public class IdentityStore {

    /** Token metadata: everything but the secret (which is never stored). */
    public record TokenInfo(UUID id, String subject, String name, String prefix, boolean clusterAdmin,
                            String createdBy, Instant createdAt, Instant expiresAt, Instant revokedAt,
                            Instant lastUsedAt) {
    }

    public record Member(String team, String subject, Role role, Instant createdAt, Instant updatedAt) {
    }

    private static final String TOKEN_COLUMNS = "id, subject, name, prefix, cluster_admin, created_by, created_at, "
            + "expires_at, revoked_at, last_used_at";

    @Inject
    EntityManager em;

    private static TokenInfo token(Object[] r) {
        return new TokenInfo((UUID) r[0], (String) r[1], (String) r[2], (String) r[3], (Boolean) r[4], (String) r[5],
                HistoryStore.instant(r[6]), HistoryStore.instant(r[7]), HistoryStore.instant(r[8]),
                HistoryStore.instant(r[9]));
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<TokenInfo> tokenByHash(String hash) {
        List<Object[]> rows = em.createNativeQuery("select " + TOKEN_COLUMNS + " from api_token where token_hash = ?1")
                .setParameter(1, hash).getResultList();
        return rows.stream().findFirst().map(IdentityStore::token);
    }

    @Transactional
    public boolean tokenHashExists(String hash) {
        return !em.createNativeQuery("select 1 from api_token where token_hash = ?1").setParameter(1, hash)
                .getResultList().isEmpty();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<TokenInfo> token(UUID id) {
        List<Object[]> rows = em.createNativeQuery("select " + TOKEN_COLUMNS + " from api_token where id = ?1")
                .setParameter(1, id).getResultList();
        return rows.stream().findFirst().map(IdentityStore::token);
    }

    /** Tokens of one subject (or of everyone when {@code subject} is null), newest first. */
    @Transactional
    @SuppressWarnings("unchecked")
    public List<TokenInfo> tokens(String subject, int limit) {
        var q = em.createNativeQuery("select " + TOKEN_COLUMNS + " from api_token"
                + (subject == null ? "" : " where subject = ?1") + " order by created_at desc, id limit " + limit);
        if (subject != null) {
            q.setParameter(1, subject);
        }
        return ((List<Object[]>) q.getResultList()).stream().map(IdentityStore::token).toList();
    }

    /** Creates the subject if it does not exist yet. */
    @Transactional
    public void ensureSubject(String subject, boolean clusterAdmin) {
        em.createNativeQuery("insert into subject (name, cluster_admin, created_at) values (?1, ?2, ?3) "
                        + "on conflict (name) do " + (clusterAdmin ? "update set cluster_admin = true" : "nothing"))
                .setParameter(1, subject).setParameter(2, clusterAdmin).setParameter(3, JobStore.now()).executeUpdate();
    }

    /**
     * Whether a team admin of the teams {@code adminOf} may manage {@code subject}'s tokens: only a subject created for
     * one of those teams (its home team, still a member there) that never held a cluster-admin token and belongs to no
     * other team. Adding a subject to a team never makes it manageable (defect 2 of issue 8).
     */
    @Transactional
    @SuppressWarnings("unchecked")
    public boolean manageableByTeamAdmin(String subject, Set<String> adminOf) {
        List<Object[]> rows = em.createNativeQuery("select s.home_team, s.cluster_admin or exists (select 1 "
                        + "from api_token t where t.subject = s.name and t.cluster_admin) from subject s where s.name = ?1")
                .setParameter(1, subject).getResultList();
        if (rows.isEmpty() || rows.get(0)[0] == null || Boolean.TRUE.equals(rows.get(0)[1])) {
            return false;
        }
        String home = (String) rows.get(0)[0];
        Map<String, Role> theirs = memberships(subject);
        return adminOf.contains(home) && theirs.containsKey(home) && adminOf.containsAll(theirs.keySet());
    }

    /**
     * Stores a token's hash (creating the subject). Empty only when a token with this hash exists already (two
     * replicas bootstrapping the same secret at once).
     */
    @Transactional
    public Optional<TokenInfo> createToken(String subject, String name, String hash, String prefix,
                                           boolean clusterAdmin, String createdBy, Instant expiresAt) {
        ensureSubject(subject, false);
        UUID id = UUID.randomUUID();
        Instant now = JobStore.now();
        var q = em.createNativeQuery("insert into api_token (id, subject, name, token_hash, prefix, cluster_admin, "
                        + "created_by, created_at, expires_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
                        + (expiresAt == null ? "null" : "?9") + ") on conflict (token_hash) do nothing")
                .setParameter(1, id).setParameter(2, subject).setParameter(3, name).setParameter(4, hash)
                .setParameter(5, prefix).setParameter(6, clusterAdmin).setParameter(7, createdBy)
                .setParameter(8, now);
        if (expiresAt != null) {
            q.setParameter(9, expiresAt);
        }
        if (q.executeUpdate() == 0) {
            return Optional.empty();
        }
        return Optional.of(new TokenInfo(id, subject, name, prefix, clusterAdmin, createdBy, now, expiresAt, null, null));
    }

    /** Revokes a token; false when it was already revoked (the first revocation time is kept). */
    @Transactional
    public boolean revoke(UUID id) {
        return em.createNativeQuery("update api_token set revoked_at = ?2 where id = ?1 and revoked_at is null")
                .setParameter(1, id).setParameter(2, JobStore.now()).executeUpdate() > 0;
    }

    /** Records that a token was used (called at most once per cache period per token). */
    @Transactional
    public void touch(UUID id) {
        em.createNativeQuery("update api_token set last_used_at = ?2 where id = ?1")
                .setParameter(1, id).setParameter(2, JobStore.now()).executeUpdate();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public Map<String, Role> memberships(String subject) {
        List<Object[]> rows = em.createNativeQuery("select team, role from membership where subject = ?1")
                .setParameter(1, subject).getResultList();
        Map<String, Role> m = new LinkedHashMap<>();
        for (Object[] r : rows) {
            m.put((String) r[0], Role.valueOf((String) r[1]));
        }
        return m;
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public List<Member> members(String team) {
        List<Object[]> rows = em.createNativeQuery("select team, subject, role, created_at, updated_at from membership "
                + "where team = ?1 order by subject").setParameter(1, team).getResultList();
        return rows.stream().map(IdentityStore::member).toList();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    public Optional<Member> member(String team, String subject) {
        List<Object[]> rows = em.createNativeQuery("select team, subject, role, created_at, updated_at from membership "
                + "where team = ?1 and subject = ?2").setParameter(1, team).setParameter(2, subject).getResultList();
        return rows.stream().findFirst().map(IdentityStore::member);
    }

    private static Member member(Object[] r) {
        return new Member((String) r[0], (String) r[1], Role.valueOf((String) r[2]), HistoryStore.instant(r[3]),
                HistoryStore.instant(r[4]));
    }

    /**
     * Gives {@code subject} {@code role} in {@code team}; returns the previous role. A subject created here gets
     * {@code team} as its home team (see {@link #manageableByTeamAdmin}); an existing subject keeps its own.
     */
    @Transactional
    public Optional<Role> setRole(String team, String subject, Role role) {
        Optional<Role> before = member(team, subject).map(Member::role);
        em.createNativeQuery("insert into subject (name, cluster_admin, created_at, home_team) values (?1, false, ?2, ?3) "
                        + "on conflict (name) do nothing")
                .setParameter(1, subject).setParameter(2, JobStore.now()).setParameter(3, team).executeUpdate();
        Instant now = JobStore.now();
        em.createNativeQuery("insert into membership (team, subject, role, created_at, updated_at) "
                        + "values (?1, ?2, ?3, ?4, ?4) on conflict (team, subject) do update set role = ?3, updated_at = ?4")
                .setParameter(1, team).setParameter(2, subject).setParameter(3, role.name()).setParameter(4, now)
                .executeUpdate();
        return before;
    }

    /** Removes a membership; returns the role it had, empty when there was none. */
    @Transactional
    public Optional<Role> removeMember(String team, String subject) {
        Optional<Role> before = member(team, subject).map(Member::role);
        if (before.isPresent()) {
            em.createNativeQuery("delete from membership where team = ?1 and subject = ?2")
                    .setParameter(1, team).setParameter(2, subject).executeUpdate();
        }
        return before;
    }

    @Transactional
    public boolean teamExists(String team) {
        return !em.createNativeQuery("select 1 from team where name = ?1").setParameter(1, team)
                .getResultList().isEmpty();
    }

    /** Creates a team if it does not exist (the embedded bootstrap's {@code default} team). */
    @Transactional
    public boolean ensureTeam(String team) {
        return em.createNativeQuery("insert into team (name, created_at) values (?1, ?2) on conflict (name) do nothing")
                .setParameter(1, team).setParameter(2, JobStore.now()).executeUpdate() > 0;
    }
}
