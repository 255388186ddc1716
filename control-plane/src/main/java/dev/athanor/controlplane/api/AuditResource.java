package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.CurrentCaller;
import dev.athanor.controlplane.auth.IdentityStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;

import java.util.ArrayList;
import java.util.List;

/** {@code GET /api/v1/audit}: the audit log of admin actions, for cluster admins. */
@Path("/api/v1/audit")
@Produces(MediaType.APPLICATION_JSON)
@SecurityRequirement(name = "bearer")
public class AuditResource {

    @Inject
    Access access;
    @Inject
    AuditLog audit;

    public record Page<T>(List<T> items, String nextCursor) {
    }

    @GET
    @Operation(summary = "The audit log of admin actions, newest first (cluster admins)",
            description = "Keyset pagination: pass nextCursor back as cursor. Filters: action, actor, target.")
    public Page<AuditLog.Event> audit(@QueryParam("limit") Integer limit, @QueryParam("cursor") String cursor,
                                      @QueryParam("action") String action, @QueryParam("actor") String actor,
                                      @QueryParam("target") String target) {
        access.requireClusterAdmin();
        List<FieldError> errors = new ArrayList<>();
        int lim = limit == null ? 100 : limit;
        if (lim < 1 || lim > 1000) {
            errors.add(new FieldError("limit", "must be between 1 and 1000"));
        }
        Long before = null;
        if (cursor != null && !cursor.isBlank()) {
            try {
                before = Long.parseLong(cursor.trim());
            } catch (NumberFormatException e) {
                errors.add(new FieldError("cursor", "must be the nextCursor of a previous page"));
            }
        }
        Bodies.failOn(errors);
        List<AuditLog.Event> items = audit.list(before, Bodies.blankToNull(action), Bodies.blankToNull(actor), Bodies.blankToNull(target),
                lim + 1);
        String next = null;
        if (items.size() > lim) {
            items = items.subList(0, lim);
            next = String.valueOf(items.get(lim - 1).id());
        }
        return new Page<>(items, next);
    }

}
