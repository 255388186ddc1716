package dev.athanor.controlplane.auth;

import io.quarkus.arc.Arc;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * Authorization checks for the current request. Resources call these before touching anything.
 * <ul>
 *   <li>{@link #requireTeam}: 404 (never 403) when the caller has no role at all in the team, so other teams'
 *   existence cannot be inferred; 403 when it has a role but a weaker one. Cluster admins pass.</li>
 *   <li>{@link #requireClusterAdmin}: 403.</li>
 * </ul>
 * Every {@code /api/*} request is authenticated by {@link AuthFilter} before a resource runs.
 */
@ApplicationScoped
public class Access {

    /** The control plane itself, for code that runs outside any request (startup bootstrap, background jobs). */
    public static final Caller SYSTEM = new Caller("system", true, Map.of());

    @Inject
    CurrentCaller current;

    /**
     * The authenticated caller of the current request; {@link #SYSTEM} outside any request. A request that was not
     * authenticated (a path outside {@code /api}) gets a 401.
     */
    public Caller caller() {
        if (!Arc.container().requestContext().isActive()) {
            return SYSTEM;
        }
        Caller c = current.caller();
        if (c == null) {
            throw AuthProblem.unauthorized("authentication required: send 'Authorization: Bearer <token>'");
        }
        return c;
    }

    public void requireTeam(String team, Role min) {
        Caller c = caller();
        if (c.clusterAdmin()) {
            return;
        }
        Role r = team == null ? null : c.teams().get(team);
        if (r == null) {
            throw AuthProblem.notFound("no team " + team);
        }
        if (!r.atLeast(min)) {
            throw AuthProblem.forbidden("this needs the " + min + " role in team " + team + "; you are " + r);
        }
    }

    public void requireClusterAdmin() {
        if (!caller().clusterAdmin()) {
            throw AuthProblem.forbidden("only cluster admins may do this");
        }
    }
}
