package dev.athanor.controlplane.auth;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import dev.athanor.controlplane.config.AthanorConfig;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a bearer secret into a {@link Caller}. Positive lookups (the token and its subject's memberships) are cached
 * by hash for {@code athanor.auth.cache-ttl} (default 10 s) in a map bounded by {@code athanor.auth.cache-size}, so a
 * submission costs no extra query. Consequences (docs/operations.md): a revoked token, or a changed membership, takes
 * effect at once on the replica that made the change (it clears its cache) and within the TTL on other replicas.
 * Expiry is checked on every request, cached or not. Failed lookups are not cached.
 */
@ApplicationScoped
public class Authenticator {

    public record Authenticated(Caller caller, IdentityStore.TokenInfo token) {
    }

    private record Entry(Authenticated value, long loadedAt) {
    }

    @Inject
    IdentityStore store;

    private final Duration ttl;
    private final int maxSize;

    @Inject
    public Authenticator(AthanorConfig config) {
        this.ttl = config.auth().cacheTtl();
        this.maxSize = config.auth().cacheSize();
    }

    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    /**
     * @throws AuthProblem 401 for a malformed, unknown, expired or revoked token
     */
    public Authenticated authenticate(String secret) {
        if (!Tokens.plausible(secret)) {
            throw AuthProblem.unauthorized("invalid token");
        }
        return authenticateHash(Tokens.hash(secret));
    }

    /**
     * Like {@link #authenticate(String)} for a token known by its stored hash (a dashboard session refers to the
     * token it was signed in with): revocation and expiry of that token end the session too.
     */
    public Authenticated authenticateHash(String hash) {
        long now = System.nanoTime();
        Entry e = cache.get(hash);
        if (e != null && now - e.loadedAt() < ttl.toNanos()) {
            checkExpiry(e.value().token());
            return e.value();
        }
        IdentityStore.TokenInfo t = store.tokenByHash(hash).orElseThrow(() -> AuthProblem.unauthorized("invalid token"));
        if (t.revokedAt() != null) {
            cache.remove(hash);
            throw AuthProblem.unauthorized("token " + t.prefix() + "… was revoked at " + t.revokedAt());
        }
        checkExpiry(t);
        Authenticated a = new Authenticated(new Caller(t.subject(), t.clusterAdmin(), store.memberships(t.subject())), t);
        store.touch(t.id());
        if (cache.size() >= maxSize) {
            evict(now);
        }
        cache.put(hash, new Entry(a, now));
        return a;
    }

    private static void checkExpiry(IdentityStore.TokenInfo t) {
        if (t.expiresAt() != null && !Instant.now().isBefore(t.expiresAt())) {
            throw AuthProblem.unauthorized("token " + t.prefix() + "… expired at " + t.expiresAt());
        }
    }

    private void evict(long now) {
        cache.entrySet().removeIf(en -> now - en.getValue().loadedAt() >= ttl.toNanos());
        if (cache.size() >= maxSize) {
            cache.clear();
        }
    }

    private final ConcurrentHashMap<String, Long> teams = new ConcurrentHashMap<>();

    /**
     * Whether a team exists; positive answers are cached like tokens (a deleted team is still accepted for up to the
     * TTL on other replicas; its jobs then wait in no queue until an admin deals with them).
     */
    public boolean teamExists(String team) {
        long now = System.nanoTime();
        Long at = teams.get(team);
        if (at != null && now - at < ttl.toNanos()) {
            return true;
        }
        boolean exists = store.teamExists(team);
        if (exists) {
            if (teams.size() >= maxSize) {
                teams.clear();
            }
            teams.put(team, now);
        } else {
            teams.remove(team);
        }
        return exists;
    }

    /** Forgets every cached lookup (after a revocation or a membership change on this replica). */
    public void invalidateAll() {
        cache.clear();
        teams.clear();
    }
}
