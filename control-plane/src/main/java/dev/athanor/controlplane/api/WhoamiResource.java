package dev.athanor.controlplane.api;

import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.CurrentCaller;
import dev.athanor.controlplane.auth.IdentityStore;
import dev.athanor.controlplane.auth.Role;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/** {@code GET /api/v1/whoami}: who the caller is. See docs/api.md (Authentication). */
@Path("/api/v1/whoami")
@Produces(MediaType.APPLICATION_JSON)
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "An Athanor API token (ath_...): Authorization: Bearer <token>")
@SecurityRequirement(name = "bearer")
public class WhoamiResource {

    @Inject
    Access access;
    @Inject
    CurrentCaller current;

    public record TokenRef(UUID id, String name, String prefix, Instant expiresAt) {
    }

    public record Whoami(String subject, boolean clusterAdmin, Map<String, Role> teams, TokenRef token) {
    }

    @GET
    @Operation(summary = "The caller: subject, cluster-admin flag, role per team, and the token used")
    public Whoami whoami() {
        Caller c = access.caller();
        IdentityStore.TokenInfo t = current.token();
        return new Whoami(c.subject(), c.clusterAdmin(), new java.util.TreeMap<>(c.teams()),
                t == null ? null : new TokenRef(t.id(), t.name(), t.prefix(), t.expiresAt()));
    }

}
