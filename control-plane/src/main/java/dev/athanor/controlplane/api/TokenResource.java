package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.AuthProblem;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.CurrentCaller;
import dev.athanor.controlplane.auth.IdentityStore;
import dev.athanor.controlplane.auth.Role;
import dev.athanor.controlplane.auth.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * API tokens: create (the secret is shown once), list (metadata only), revoke. See docs/api.md and
 * docs/adr/0008-api-tokens.md.
 */
@Path("/api/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class TokenResource {

    @Inject
    Access access;
    @Inject
    IdentityStore store;
    @Inject
    AuditLog audit;
    @Inject
    Authenticator authenticator;

    public record TokenView(UUID id, String name, String subject, String prefix, boolean clusterAdmin, String state,
                            String createdBy, Instant createdAt, Instant expiresAt, Instant revokedAt,
                            Instant lastUsedAt) {
        static TokenView of(IdentityStore.TokenInfo t) {
            String state = t.revokedAt() != null ? "REVOKED"
                    : t.expiresAt() != null && !Instant.now().isBefore(t.expiresAt()) ? "EXPIRED" : "ACTIVE";
            return new TokenView(t.id(), t.name(), t.subject(), t.prefix(), t.clusterAdmin(), state, t.createdBy(),
                    t.createdAt(), t.expiresAt(), t.revokedAt(), t.lastUsedAt());
        }
    }

    /** The answer to a token creation: the only time the secret is ever shown. */
    public record CreatedToken(String token, UUID id, String name, String subject, String prefix, boolean clusterAdmin,
                               Instant createdAt, Instant expiresAt, String note) {
    }

    public record CreateToken(String name, Integer expiresInDays, String subject, Boolean clusterAdmin) {
    }

    public record Items<T>(List<T> items) {
    }

    static final int DEFAULT_DAYS = 90;
    static final int MAX_DAYS = 365;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API token; the response shows the secret once",
            description = "For yourself by default. For another subject: cluster admins always; team admins only for a "
                    + "subject created for a team they administer (its home team) that holds no cluster-admin token and "
                    + "belongs to no other team. clusterAdmin: true only by cluster admins. "
                    + "expiresInDays 1-365 (default 90). The subject is created if new.")
    public Response createToken(String body) {
        CreateToken req = Bodies.read(body, CreateToken.class);
        Caller c = access.caller();
        List<FieldError> errors = new ArrayList<>();
        String name = req.name() == null ? null : req.name().trim();
        if (name == null || name.isEmpty() || name.length() > 128) {
            errors.add(new FieldError("name", "required, 1 to 128 characters (e.g. 'laptop' or 'ci-pipeline')"));
        }
        int days = req.expiresInDays() == null ? DEFAULT_DAYS : req.expiresInDays();
        if (days < 1 || days > MAX_DAYS) {
            errors.add(new FieldError("expiresInDays", "must be between 1 and " + MAX_DAYS));
        }
        String subject = req.subject() == null || req.subject().isBlank() ? c.subject() : req.subject().trim();
        if (!Bodies.SUBJECT.matcher(subject).matches()) {
            errors.add(new FieldError("subject", "1 to 128 characters: letters, digits and . _ @ + - (not first)"));
        }
        Bodies.failOn(errors);
        boolean admin = Boolean.TRUE.equals(req.clusterAdmin());
        if (admin && !c.clusterAdmin()) {
            throw AuthProblem.forbidden("only cluster admins may create cluster-admin tokens");
        }
        if (!mayManage(c, subject)) {
            throw AuthProblem.forbidden("you cannot create tokens for subject " + subject);
        }
        String secret = Tokens.generate();
        Instant expires = Instant.now().plus(days, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);
        IdentityStore.TokenInfo t = QuarkusTransaction.joiningExisting().call(() -> {
            IdentityStore.TokenInfo created = store.createToken(subject, name, Tokens.hash(secret),
                    Tokens.displayPrefix(secret), admin, c.subject(), expires).orElseThrow();
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("subject", subject);
            d.put("name", name);
            d.put("prefix", created.prefix());
            d.put("clusterAdmin", admin);
            d.put("expiresAt", expires.toString());
            audit.record(c, "token.create", "token/" + created.id(), d);
            return created;
        });
        return Response.status(201).entity(new CreatedToken(secret, t.id(), t.name(), t.subject(), t.prefix(),
                t.clusterAdmin(), t.createdAt(), t.expiresAt(),
                "store the token now: it is shown only once and cannot be retrieved later")).build();
    }

    @GET
    @Operation(summary = "List tokens (metadata only, never secrets)",
            description = "Your own; ?subject= another subject's (same rule as creating tokens for it); cluster admins "
                    + "may pass ?all=true.")
    public Items<TokenView> tokens(@QueryParam("subject") String subject, @QueryParam("all") boolean all) {
        Caller c = access.caller();
        if (all) {
            access.requireClusterAdmin();
            return new Items<>(store.tokens(null, 1000).stream().map(TokenView::of).toList());
        }
        String s = subject == null || subject.isBlank() ? c.subject() : subject.trim();
        if (!mayManage(c, s)) {
            throw AuthProblem.forbidden("you cannot see the tokens of subject " + s);
        }
        return new Items<>(store.tokens(s, 1000).stream().map(TokenView::of).toList());
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke a token (yours, or one you may manage)",
            description = "200 with the token's metadata; revoking twice keeps the first revocation. Takes effect at "
                    + "once on this replica and within the authentication cache TTL (10 s) on others. 404 for a token "
                    + "you may not manage.")
    public TokenView revoke(@PathParam("id") String id) {
        Caller c = access.caller();
        UUID uuid;
        try {
            uuid = UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw AuthProblem.notFound("no token " + id);
        }
        IdentityStore.TokenInfo t = store.token(uuid).filter(x -> mayManage(c, x.subject()))
                .orElseThrow(() -> AuthProblem.notFound("no token " + id));
        QuarkusTransaction.joiningExisting().run(() -> {
            if (store.revoke(uuid)) {
                audit.record(c, "token.revoke", "token/" + uuid, Map.of("subject", t.subject(), "name", t.name(),
                        "prefix", t.prefix()));
            }
        });
        authenticator.invalidateAll();
        return TokenView.of(store.token(uuid).orElseThrow());
    }

    /**
     * Whether {@code c} may create, list and revoke the tokens of {@code subject}: itself; cluster admins anyone; a team
     * admin only a subject created for a team it administers (its home team), that never held a cluster-admin token
     * and belongs to no team it does not administer. Adding a subject to a team never makes it manageable.
     */
    boolean mayManage(Caller c, String subject) {
        if (c.clusterAdmin() || c.subject().equals(subject)) {
            return true;
        }
        Set<String> adminOf = new HashSet<>();
        c.teams().forEach((team, role) -> {
            if (role.atLeast(Role.TEAM_ADMIN)) {
                adminOf.add(team);
            }
        });
        return !adminOf.isEmpty() && store.manageableByTeamAdmin(subject, adminOf);
    }

}
