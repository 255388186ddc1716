package dev.athanor.controlplane.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.api.BadRequestProblem;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Dashboard sign-in: {@code POST /api/v1/session} exchanges an API token for a session cookie; {@code GET} tells who
 * is signed in and the CSRF token the page must send on unsafe requests; {@code DELETE} signs out. The token itself
 * never reaches the browser's storage. OIDC can later create sessions through {@link WebSessions#create} too.
 */
@Path("/api/v1/session")
@Produces(MediaType.APPLICATION_JSON)
public class SessionResource {

    @Inject
    Authenticator authenticator;
    @Inject
    WebSessions sessions;
    @Inject
    Access access;

    public record Session(String subject, boolean clusterAdmin, Map<String, Role> teams, String csrfToken,
                          Instant expiresAt) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Sign in with an API token", description = "Sets an HttpOnly, SameSite=Strict session cookie; "
            + "401 for an invalid token, 400 when token is missing.")
    public Response signIn(String body, @Context UriInfo uri, @Context HttpHeaders headers) {
        String token = null;
        try {
            JsonNode n = Json.strict().readTree(body == null ? "" : body);
            if (n != null && n.path("token").isTextual()) {
                token = n.path("token").asText().trim();
            }
        } catch (Exception e) {
            // reported below as a field error
        }
        if (token == null || token.isEmpty()) {
            throw new BadRequestProblem("Invalid sign-in", "token: paste an API token (ath_...)",
                    List.of(new FieldError("token", "paste an API token (ath_...)")));
        }
        Authenticator.Authenticated a = authenticator.authenticate(token);
        WebSessions.Created s = sessions.create(a);
        Caller c = a.caller();
        long maxAge = Math.max(0, s.expiresAt().getEpochSecond() - Instant.now().getEpochSecond());
        return Response.ok(new Session(c.subject(), c.clusterAdmin(), new TreeMap<>(c.teams()),
                        WebSessions.csrf(s.secret()), s.expiresAt()))
                .header("Set-Cookie", cookie(s.secret(), maxAge, secure(uri, headers)))
                .header("Cache-Control", "no-store").build();
    }

    @GET
    @Operation(summary = "The signed-in caller and the session's CSRF token (null when called with a bearer token)")
    public Response whoami(@CookieParam(WebSessions.COOKIE) String secret, @Context HttpHeaders headers) {
        Caller c = access.caller();
        boolean bySession = headers.getHeaderString(HttpHeaders.AUTHORIZATION) == null && secret != null;
        return Response.ok(new Session(c.subject(), c.clusterAdmin(), new TreeMap<>(c.teams()),
                bySession ? WebSessions.csrf(secret) : null, null)).header("Cache-Control", "no-store").build();
    }

    @DELETE
    @Operation(summary = "Sign out: ends the session and clears the cookie")
    public Response signOut(@CookieParam(WebSessions.COOKIE) String secret, @Context UriInfo uri,
                            @Context HttpHeaders headers) {
        sessions.delete(secret);
        return Response.noContent().header("Set-Cookie", cookie("", 0, secure(uri, headers))).build();
    }

    private static boolean secure(UriInfo uri, HttpHeaders headers) {
        return "https".equalsIgnoreCase(uri.getRequestUri().getScheme())
                || "https".equalsIgnoreCase(headers.getHeaderString("X-Forwarded-Proto"));
    }

    static String cookie(String value, long maxAge, boolean secure) {
        return WebSessions.COOKIE + "=" + value + "; Path=/; Max-Age=" + maxAge + "; HttpOnly; SameSite=Strict"
                + (secure ? "; Secure" : "");
    }
}
