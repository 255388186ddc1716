package dev.athanor.controlplane.auth;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import dev.athanor.controlplane.config.AthanorConfig;
import org.jboss.logging.Logger;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * At startup: {@code athanor.auth.bootstrap-team} (if set) is created when missing; {@code athanor.auth.bootstrap-token}
 * (if set, e.g. from a Kubernetes Secret through ATHANOR_AUTH_BOOTSTRAP_TOKEN) is stored, hashed, as a non-expiring
 * cluster-admin token of subject {@code athanor.auth.bootstrap-subject} (default {@code admin}) unless a token with
 * that hash exists already, revoked or not (so a revoked bootstrap token stays revoked across restarts). The secret
 * is never logged.
 */
@ApplicationScoped
public class AuthBootstrap {
    private static final Logger LOG = Logger.getLogger(AuthBootstrap.class);

    @Inject
    IdentityStore store;
    @Inject
    AuditLog audit;

    @Inject
    AthanorConfig config;

    void onStart(@Observes StartupEvent e) {
        Optional<String> token = config.auth().bootstrapToken();
        Optional<String> team = config.auth().bootstrapTeam();
        String subject = config.auth().bootstrapSubject();
        team.map(String::trim).filter(t -> !t.isEmpty()).ifPresent(t -> {
            if (store.ensureTeam(t)) {
                audit.record(Access.SYSTEM, "team.create", "team/" + t, Map.of("reason", "bootstrap"));
                LOG.infof("bootstrap: created team '%s'", t);
            }
        });
        Optional<String> secret = token.map(String::trim).filter(s -> !s.isEmpty());
        if (secret.isEmpty()) {
            return;
        }
        if (!Tokens.plausible(secret.get())) {
            throw new IllegalStateException("athanor.auth.bootstrap-token must be 16 to 256 printable ASCII characters "
                    + "without spaces (generate one with: echo ath_$(openssl rand -base64 32 | tr '+/' '-_' | tr -d '='))");
        }
        String hash = Tokens.hash(secret.get());
        if (store.tokenHashExists(hash)) {
            LOG.debug("bootstrap: the bootstrap token is already known");
            return;
        }
        store.ensureSubject(subject, true);
        store.createToken(subject, "bootstrap", hash, Tokens.displayPrefix(secret.get()), true, "bootstrap", null)
                .ifPresent(t -> {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("subject", subject);
                    d.put("name", t.name());
                    d.put("clusterAdmin", true);
                    d.put("expiresAt", null);
                    audit.record(Access.SYSTEM, "token.create", "token/" + t.id(), d);
                    LOG.infof("bootstrap: stored the hash of the bootstrap token as cluster-admin token %s of subject '%s'",
                            t.id(), subject);
                });
    }
}
