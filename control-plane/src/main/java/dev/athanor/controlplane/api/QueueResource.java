package dev.athanor.controlplane.api;

import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.scheduling.QueueStore;
import dev.athanor.controlplane.store.JobStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Queue visibility, {@code /api/v1/queues}: for each pending GPU job its position in its team's queue and in its
 * flavor's queue, why it waits and when it is expected to start. Published by the scheduling leader after each
 * cycle that changed it (at most once per {@code athanor.scheduling.publish-interval}).
 */
@Path("/api/v1/queues")
@Produces(MediaType.APPLICATION_JSON)
public class QueueResource {

    @Inject
    QueueStore queue;
    @Inject
    JobStore jobs;
    @Inject
    Access access;

    public record QueuePage(List<QueueStore.Entry> items, Integer nextOffset) {
    }

    public record Summary(List<QueueStore.Count> items) {
    }

    @GET
    @Operation(summary = "Pending GPU jobs in queue order", description = "team=: that team's queue in team order; "
            + "flavor=: that flavor's queue ('*' for jobs that accept any flavor). Only teams the caller can see.")
    public QueuePage list(@QueryParam("team") String team, @QueryParam("flavor") String flavor,
                          @QueryParam("offset") Integer offset, @QueryParam("limit") Integer limit) {
        int lim = limit == null ? 100 : limit;
        int off = offset == null ? 0 : offset;
        List<FieldError> errors = new ArrayList<>();
        if (lim < 1 || lim > 1000) {
            errors.add(new FieldError("limit", "must be between 1 and 1000"));
        }
        if (off < 0) {
            errors.add(new FieldError("offset", "must be >= 0"));
        }
        Bodies.failOn(errors);
        Caller c = access.caller();
        String t = team == null || team.isBlank() ? null : team;
        if (t != null && !c.canView(t)) {
            return new QueuePage(List.of(), null); // like the jobs list: another team's queue is simply empty
        }
        List<QueueStore.Entry> items = queue.entries(c.visibleTeams(), t,
                flavor == null || flavor.isBlank() ? null : flavor, off, lim + 1);
        Integer next = null;
        if (items.size() > lim) {
            items = items.subList(0, lim);
            next = off + lim;
        }
        return new QueuePage(items, next);
    }

    @GET
    @Path("summary")
    @Operation(summary = "Pending GPU jobs and GPUs per team, flavor queue and reason (teams the caller can see)")
    public Summary summary() {
        return new Summary(queue.counts(access.caller().visibleTeams()));
    }

    @GET
    @Path("jobs/{id}")
    @Operation(summary = "One pending job's positions, reason and estimated start")
    public QueueStore.Entry job(@PathParam("id") UUID id) {
        var job = jobs.get(id).filter(j -> access.caller().canView(j.team()))
                .orElseThrow(() -> new NotFoundException("no job " + id)); // another team's job: exactly like a missing one
        return queue.entry(id).orElseThrow(() -> new NotFoundException("job " + id + " is not waiting in a GPU queue "
                + "(state " + job.state() + "; CPU-only jobs and jobs in backoff have no queue position)"));
    }
}
