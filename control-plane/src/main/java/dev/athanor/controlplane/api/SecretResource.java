package dev.athanor.controlplane.api;

import dev.athanor.common.secret.SecretNames;
import dev.athanor.common.secret.SecretStore;
import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.AuthProblem;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.IdentityStore;
import dev.athanor.controlplane.auth.Role;
import dev.athanor.controlplane.lifecycle.LauncherBinding;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A team's secrets (API keys a job names by reference, e.g. {@code spec.apiKeySecret}). Values are write-only: no
 * answer ever holds one. Team admins of the team and cluster admins only; every change is audited without the value.
 */
@Path("/api/v1/teams/{team}/secrets")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class SecretResource {

    @Inject
    Access access;
    @Inject
    IdentityStore identities;
    @Inject
    AuditLog audit;
    @Inject
    LauncherBinding binding;

    public record SetValue(String value) {
    }

    @GET
    @Operation(summary = "A team's secrets: names and timestamps, never values (team admins of the team, cluster admins)")
    public MemberResource.Items<SecretStore.Entry> list(@PathParam("team") String team) {
        requireTeamAdmin(team);
        return new MemberResource.Items<>(binding.secrets().list(team));
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or replace a team secret: {\"value\": \"...\"}",
            description = "201 when new, 200 when replaced; the answer holds the name and timestamps only. Names are "
                    + "DNS labels; values at most 64 KiB. Team admins of the team, cluster admins. Audited (never the "
                    + "value).")
    public Response put(@PathParam("team") String team, @PathParam("name") String name, String body) {
        requireTeamAdmin(team);
        Caller c = access.caller();
        SetValue req = Bodies.read(body, SetValue.class);
        List<FieldError> errors = new ArrayList<>();
        if (!SecretNames.valid(name)) {
            errors.add(new FieldError("name", SecretNames.RULE));
        }
        if (req.value() == null || req.value().isEmpty()) {
            errors.add(new FieldError("value", "is required: the secret's value"));
        } else if (req.value().getBytes(StandardCharsets.UTF_8).length > SecretNames.MAX_VALUE_BYTES) {
            errors.add(new FieldError("value", "must be at most " + SecretNames.MAX_VALUE_BYTES + " bytes (UTF-8)"));
        }
        Bodies.failOn(errors);
        SecretStore store = binding.secrets();
        // The audit row is written first, in the transaction that commits only once the store has the value.
        SecretStore.Written w = QuarkusTransaction.joiningExisting().call(() -> {
            boolean isNew = store.find(team, name).isEmpty();
            audit.record(c, isNew ? "secret.create" : "secret.update", target(team, name), Map.of("name", name));
            try {
                return store.put(team, name, req.value());
            } catch (IllegalStateException e) {
                throw new WebApplicationException(e.getMessage(), 409);
            }
        });
        return Response.status(w.created() ? 201 : 200).entity(w.entry()).build();
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a team secret (team admins of the team, cluster admins); 204. Audited.",
            description = "Jobs that still name it fail to launch (LaunchFailed) until it is stored again.")
    public Response delete(@PathParam("team") String team, @PathParam("name") String name) {
        requireTeamAdmin(team);
        Caller c = access.caller();
        if (!SecretNames.valid(name)) {
            Bodies.failOn(List.of(new FieldError("name", SecretNames.RULE)));
        }
        SecretStore store = binding.secrets();
        boolean existed = QuarkusTransaction.joiningExisting().call(() -> {
            if (store.find(team, name).isEmpty()) {
                return false;
            }
            audit.record(c, "secret.delete", target(team, name), Map.of("name", name));
            return store.delete(team, name);
        });
        if (!existed) {
            throw AuthProblem.notFound("no secret " + name + " in team " + team);
        }
        return Response.noContent().build();
    }

    static String target(String team, String name) {
        return "team/" + team + "/secrets/" + name;
    }

    private void requireTeamAdmin(String team) {
        access.requireTeam(team, Role.TEAM_ADMIN);
        if (!SecretNames.valid(team) || !identities.teamExists(team)) {
            throw AuthProblem.notFound("no team " + team);
        }
    }
}
