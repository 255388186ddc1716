package dev.athanor.controlplane.auth;

import dev.athanor.controlplane.dashboard.WebSessions;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import java.util.Optional;

/**
 * Authenticates every request under {@code /api}: {@code Authorization: Bearer <token>}, else 401 problem+json with
 * {@code WWW-Authenticate: Bearer}. Health, metrics and OpenAPI ({@code /q/*}) stay open. The header and the token are
 * never logged. Without that header, the dashboard's session cookie ({@link WebSessions}) is accepted, with its CSRF
 * header on unsafe methods; {@code POST /api/v1/session} (sign-in) is open. Runs on the resource's thread (the API's endpoints are blocking), so a cache miss may query.
 */
public class AuthFilter {

    @Inject
    Authenticator authenticator;
    @Inject
    CurrentCaller current;
    @Inject
    WebSessions sessions;

    @ServerRequestFilter(priority = Priorities.AUTHENTICATION)
    public Optional<Response> authenticate(ContainerRequestContext ctx) {
        String path = ctx.getUriInfo().getPath();
        if (!(path.equals("/api") || path.startsWith("/api/"))) {
            return Optional.empty();
        }
        if (path.equals("/api/v1/session") && "POST".equals(ctx.getMethod())) {
            return Optional.empty();
        }
        String header = ctx.getHeaderString(HttpHeaders.AUTHORIZATION);
        var cookie = ctx.getCookies().get(WebSessions.COOKIE);
        if ((header == null || header.isBlank()) && cookie != null) {
            try {
                current.set(sessions.authenticate(cookie.getValue(), ctx.getMethod(),
                        ctx.getHeaderString(WebSessions.CSRF_HEADER)));
                return Optional.empty();
            } catch (AuthProblem e) {
                return Optional.of(AuthMappers.response(e));
            }
        }
        if (header == null || header.isBlank()) {
            return Optional.of(AuthMappers.response(AuthProblem.unauthorized(
                    "authentication required: send 'Authorization: Bearer <token>'")));
        }
        String h = header.trim();
        if (h.length() < 7 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.of(AuthMappers.response(AuthProblem.unauthorized(
                    "unsupported authorization scheme: send 'Authorization: Bearer <token>'")));
        }
        try {
            current.set(authenticator.authenticate(h.substring(7).trim()));
            return Optional.empty();
        } catch (AuthProblem e) {
            return Optional.of(AuthMappers.response(e));
        }
    }
}
