package dev.athanor.controlplane.dashboard;

import dev.athanor.controlplane.auth.AuthProblem;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.Tokens;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Dashboard sign-in sessions. The browser holds a random 256-bit secret in an HttpOnly, SameSite=Strict cookie; the
 * database holds only its SHA-256 and the id of the API token it was exchanged for, so the session is exactly as
 * strong as that token (revoked or expired token: session over). Unsafe methods must also send
 * {@value #CSRF_HEADER}, derived from the secret ({@link #csrf(String)}): a page of another origin can make the
 * browser send the cookie but cannot read or compute the header.
 */
@ApplicationScoped
public class WebSessions {
    public static final String COOKIE = "athanor_session";
    public static final String CSRF_HEADER = "X-CSRF-Token";
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @Inject
    EntityManager em;
    @Inject
    Authenticator authenticator;

    @ConfigProperty(name = "athanor.dashboard.session-ttl", defaultValue = "12h")
    Duration ttl;

    public record Created(String secret, Instant expiresAt) {
    }

    /** A new session for an authenticated token; returns the cookie secret (shown to nobody but the browser). */
    @Transactional
    public Created create(Authenticator.Authenticated a) {
        String secret = Tokens.generate();
        Instant now = Instant.now();
        Instant expires = now.plus(ttl);
        if (a.token().expiresAt() != null && a.token().expiresAt().isBefore(expires)) {
            expires = a.token().expiresAt();
        }
        em.createNativeQuery("insert into web_session (session_hash, token_id, created_at, expires_at) "
                        + "values (?1, ?2, ?3, ?4)")
                .setParameter(1, Tokens.hash(secret)).setParameter(2, a.token().id()).setParameter(3, now)
                .setParameter(4, expires).executeUpdate();
        em.createNativeQuery("delete from web_session where expires_at < ?1").setParameter(1, now).executeUpdate();
        return new Created(secret, expires);
    }

    /**
     * The caller behind a session cookie. Unsafe methods need the CSRF header.
     *
     * @throws AuthProblem 401 for an unknown or expired session, 403 for a missing or wrong CSRF header
     */
    @Transactional
    public Authenticator.Authenticated authenticate(String secret, String method, String csrfHeader) {
        if (secret == null || secret.length() < 16 || secret.length() > 256) {
            throw AuthProblem.unauthorized("session expired or signed out: sign in again");
        }
        @SuppressWarnings("unchecked")
        List<String> hashes = em.createNativeQuery("select t.token_hash from web_session s join api_token t "
                        + "on t.id = s.token_id where s.session_hash = ?1 and s.expires_at > ?2")
                .setParameter(1, Tokens.hash(secret)).setParameter(2, Instant.now()).getResultList();
        if (hashes.isEmpty()) {
            throw AuthProblem.unauthorized("session expired or signed out: sign in again");
        }
        if (!SAFE.contains(method) && (csrfHeader == null || !MessageDigest.isEqual(
                csrf(secret).getBytes(StandardCharsets.US_ASCII), csrfHeader.trim().getBytes(StandardCharsets.US_ASCII)))) {
            throw AuthProblem.forbidden("missing or wrong " + CSRF_HEADER + " header (send the csrfToken of "
                    + "GET /api/v1/session)");
        }
        return authenticator.authenticateHash(hashes.get(0).trim());
    }

    /** Ends a session (sign-out); unknown secrets are ignored. */
    @Transactional
    public void delete(String secret) {
        if (secret != null) {
            em.createNativeQuery("delete from web_session where session_hash = ?1")
                    .setParameter(1, Tokens.hash(secret)).executeUpdate();
        }
    }

    /** The CSRF token of a session: derived from its secret, so nothing more is stored. */
    public static String csrf(String secret) {
        return Tokens.hash("csrf:" + secret);
    }

    public Duration ttl() {
        return ttl;
    }
}
