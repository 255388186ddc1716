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
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Team members and their roles. Teams themselves (create, quotas) live in the teams API; this resource only manages
 * who belongs to an existing team.
 */
@Path("/api/v1/teams/{team}/members")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class MemberResource {

    @Inject
    Access access;
    @Inject
    IdentityStore store;
    @Inject
    AuditLog audit;
    @Inject
    Authenticator authenticator;

    public record SetRole(String role) {
    }

    public record Items<T>(List<T> items) {
    }

    @GET
    @Operation(summary = "Members of a team and their roles (team admins of the team, cluster admins)")
    public Items<IdentityStore.Member> members(@PathParam("team") String team) {
        requireExistingTeam(team, Role.TEAM_ADMIN);
        return new Items<>(store.members(team));
    }

    @GET
    @Path("{subject}")
    @Operation(summary = "One member's role (team admins of the team, cluster admins)")
    public IdentityStore.Member member(@PathParam("team") String team, @PathParam("subject") String subject) {
        requireExistingTeam(team, Role.TEAM_ADMIN);
        return store.member(team, subject).orElseThrow(() -> AuthProblem.notFound(subject + " is not a member of team "
                + team));
    }

    @PUT
    @Path("{subject}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Give a subject a role in a team: {\"role\": \"VIEWER\" | \"MEMBER\" | \"TEAM_ADMIN\"}",
            description = "201 when the subject became a member, 200 when its role changed. The subject is created if "
                    + "new. Team admins of the team, cluster admins. Audited.")
    public Response setMember(@PathParam("team") String team, @PathParam("subject") String subject, String body) {
        requireExistingTeam(team, Role.TEAM_ADMIN);
        Caller c = access.caller();
        SetRole req = Bodies.read(body, SetRole.class);
        List<FieldError> errors = new ArrayList<>();
        Role role = null;
        try {
            role = req.role() == null ? null : Role.valueOf(req.role().trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            // reported below
        }
        if (role == null) {
            errors.add(new FieldError("role", "one of VIEWER, MEMBER, TEAM_ADMIN"));
        }
        if (!Bodies.SUBJECT.matcher(subject).matches()) {
            errors.add(new FieldError("subject", "1 to 128 characters: letters, digits and . _ @ + - (not first)"));
        }
        Bodies.failOn(errors);
        Role r = role;
        Optional<Role> before = QuarkusTransaction.joiningExisting().call(() -> {
            Optional<Role> prev = store.setRole(team, subject, r);
            Map<String, Object> d = new LinkedHashMap<>();
            d.put("role", r.name());
            d.put("previousRole", prev.map(Role::name).orElse(null));
            audit.record(c, "member.set", "team/" + team + "/members/" + subject, d);
            return prev;
        });
        authenticator.invalidateAll();
        return Response.status(before.isPresent() ? 200 : 201).entity(store.member(team, subject).orElseThrow()).build();
    }

    @DELETE
    @Path("{subject}")
    @Operation(summary = "Remove a subject from a team (team admins of the team, cluster admins); 204. Audited.")
    public Response removeMember(@PathParam("team") String team, @PathParam("subject") String subject) {
        requireExistingTeam(team, Role.TEAM_ADMIN);
        Caller c = access.caller();
        Optional<Role> before = QuarkusTransaction.joiningExisting().call(() -> {
            Optional<Role> prev = store.removeMember(team, subject);
            prev.ifPresent(p -> audit.record(c, "member.remove", "team/" + team + "/members/" + subject,
                    Map.of("previousRole", p.name())));
            return prev;
        });
        if (before.isEmpty()) {
            throw AuthProblem.notFound(subject + " is not a member of team " + team);
        }
        authenticator.invalidateAll();
        return Response.noContent().build();
    }

    private void requireExistingTeam(String team, Role min) {
        access.requireTeam(team, min);
        if (!store.teamExists(team)) {
            throw AuthProblem.notFound("no team " + team);
        }
    }

}
