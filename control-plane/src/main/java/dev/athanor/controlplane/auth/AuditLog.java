package dev.athanor.controlplane.auth;

import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * The audit log of admin actions (quota changes, token creation and revocation, forced cancels), written in the
 * caller's transaction. Placeholder until the identity tables land: logs only.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);

    /**
     * Records {@code action} (e.g. {@code quota.update}) by {@code actor} on {@code target} (e.g. {@code team/vision});
     * {@code details} is any JSON-serializable value (never a secret).
     */
    public void record(Caller actor, String action, String target, Object details) {
        LOG.infof("audit: %s %s %s", actor.subject(), action, target);
    }
}
