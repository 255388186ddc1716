package dev.athanor.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.scheduling.TeamStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The GPU flavor catalog, {@code /api/v1/flavors}: everyone reads it, cluster admins change it (audited). */
@Path("/api/v1/flavors")
@Produces(MediaType.APPLICATION_JSON)
public class FlavorResource {

    private static final Pattern RESOURCE = Pattern.compile("([a-z0-9.-]{1,253}/)?[a-zA-Z0-9]([a-zA-Z0-9._-]{0,61}[a-zA-Z0-9])?");

    @Inject
    TeamStore teams;
    @Inject
    Access access;
    @Inject
    AuditLog audit;
    @Inject
    dev.athanor.controlplane.scheduling.FlavorCatalog catalog;

    public record FlavorList(List<TeamStore.FlavorInfo> items) {
    }

    @GET
    @Operation(summary = "GPU flavors")
    public FlavorList list() {
        access.caller();
        return new FlavorList(teams.flavors());
    }

    @GET
    @Path("{name}")
    @Operation(summary = "One GPU flavor")
    public TeamStore.FlavorInfo get(@PathParam("name") String name) {
        access.caller();
        return teams.flavor(name).orElseThrow(() -> new NotFoundException("no flavor " + name));
    }

    @PUT
    @Path("{name}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create or replace a GPU flavor (cluster admin)", description = "Body: {resourceName? "
            + "(default nvidia.com/gpu), nodeLabels? {label: value}, tolerations? [Kubernetes tolerations], gpuMemoryGb?}")
    public Response put(@PathParam("name") String name, String body) {
        access.requireClusterAdmin();
        AdminBodies.name("name", name);
        AdminBodies b = AdminBodies.parse(body, Set.of("resourceName", "nodeLabels", "tolerations", "gpuMemoryGb"));
        String resource = b.text("resourceName", false, RESOURCE, "must be an extended resource name such as nvidia.com/gpu");
        Map<String, String> labels = b.stringMap("nodeLabels");
        JsonNode tolerations = b.array("tolerations");
        Integer memory = b.integer("gpuMemoryGb", false, 1, 4096);
        b.done();
        try {
            dev.athanor.controlplane.scheduling.FlavorCatalog.tolerations(tolerations);
        } catch (IllegalArgumentException e) {
            throw new BadRequestProblem("Invalid request", "tolerations: must be Kubernetes tolerations ({key, operator, "
                    + "value, effect, tolerationSeconds})", java.util.List.of(new dev.athanor.common.spec.FieldError(
                    "tolerations", "must be Kubernetes tolerations ({key, operator, value, effect, tolerationSeconds})")));
        }
        boolean created = teams.putFlavor(name, resource == null ? "nvidia.com/gpu" : resource, labels, tolerations, memory);
        TeamStore.FlavorInfo f = teams.flavor(name).orElseThrow();
        catalog.refresh();
        audit.record(access.caller(), created ? "flavor.create" : "flavor.update", "flavor/" + name, f);
        return Response.status(created ? 201 : 200).entity(f).build();
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Delete a GPU flavor (cluster admin); 409 while quotas use it")
    public Response delete(@PathParam("name") String name) {
        access.requireClusterAdmin();
        teams.flavor(name).orElseThrow(() -> new NotFoundException("no flavor " + name));
        long n = teams.quotasOnFlavor(name);
        if (n > 0) {
            return Problem.response(409, "Conflict", n + " team quota(s) use flavor " + name + "; remove them first");
        }
        teams.deleteFlavor(name);
        catalog.refresh();
        audit.record(access.caller(), "flavor.delete", "flavor/" + name, Map.of());
        return Response.noContent().build();
    }
}
