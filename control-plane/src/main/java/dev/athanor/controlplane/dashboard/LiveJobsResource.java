package dev.athanor.controlplane.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;
import dev.athanor.controlplane.api.BadRequestProblem;
import dev.athanor.controlplane.api.Problem;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.live.LiveBus;
import dev.athanor.controlplane.store.JobStore;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code GET /api/v1/live/jobs?id=..&id=..}: one Server-Sent Events stream for many jobs (the rows a dashboard page
 * shows). Every event is {@code {"id": job, "data": <the job stream's payload>}} with the job stream's event name
 * (state, progress, metrics, log, artifact); it starts with a {@code job} snapshot of each. Jobs the caller may not
 * see are left out exactly like missing ones. The stream does not end when a job finishes.
 */
@Path("/api/v1/live/jobs")
public class LiveJobsResource {
    static final int MAX_IDS = 200;
    private static final ObjectMapper MAPPER = Json.lenient();

    @Inject
    LiveBus bus;
    @Inject
    JobStore jobs;
    @Inject
    Access access;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Live events of several jobs in one stream (at most 200 ids)")
    @Blocking
    public Multi<OutboundSseEvent> events(@QueryParam("id") List<String> ids, @Context Sse sse) {
        Set<UUID> wanted = new LinkedHashSet<>();
        List<FieldError> errors = new ArrayList<>();
        for (String s : ids == null ? List.<String>of() : ids) {
            for (String part : s.split(",")) {
                if (part.isBlank()) {
                    continue;
                }
                try {
                    wanted.add(UUID.fromString(part.trim()));
                } catch (IllegalArgumentException e) {
                    errors.add(new FieldError("id", "not a job id: '" + part.trim() + "'"));
                }
            }
        }
        if (wanted.isEmpty() && errors.isEmpty()) {
            errors.add(new FieldError("id", "name at least one job id"));
        }
        if (wanted.size() > MAX_IDS) {
            errors.add(new FieldError("id", "at most " + MAX_IDS + " job ids"));
        }
        if (!errors.isEmpty()) {
            throw new BadRequestProblem("Invalid query", errors.get(0).toString(), errors);
        }
        Caller caller = access.caller();
        List<UUID> visible = wanted.stream().filter(id -> jobs.get(id).map(j -> caller.canView(j.team())).orElse(false))
                .toList();
        AutoCloseable permit;
        try {
            permit = bus.openStream(caller.subject());
        } catch (LiveBus.TooManyStreams e) {
            throw new WebApplicationException(Problem.response(429, "Too many live streams", e.getMessage()));
        }
        // Bounded like the one-job stream: the bus delivers on demand and keeps at most athanor.live.buffer messages
        // per job; a job's terminal event ends its subscription, not the stream.
        return Multi.createFrom().<OutboundSseEvent>emitter(em -> {
            List<LiveBus.Subscription> subs = new ArrayList<>();
            for (UUID id : visible) {
                subs.add(bus.subscribe(id, new LiveBus.Sink() {
                    @Override
                    public boolean offer(LiveBus.Message m) {
                        if (em.isCancelled()) {
                            return true;
                        }
                        if (em.requested() <= 0) {
                            return false;
                        }
                        em.emit(event(sse, m.event(), id, m.data()));
                        return true;
                    }

                    @Override
                    public void close(String reason) {
                        em.emit(event(sse, "closed", id, Map.of("reason", reason)));
                        em.complete();
                    }
                }));
            }
            em.onRequest(n -> subs.forEach(LiveBus.Subscription::wake));
            em.onTermination(() -> {
                subs.forEach(LiveJobsResource::closeQuietly);
                closeQuietly(permit);
            });
            // Subscribed first, then read the states (off the IO thread): nothing published in between is lost.
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                for (int i = 0; i < visible.size(); i++) {
                    LiveBus.Subscription sub = subs.get(i);
                    jobs.get(visible.get(i)).ifPresent(j -> sub.push(new LiveBus.Message(j.id(), "job", j, false)));
                }
            });
        }, 16);
    }

    private OutboundSseEvent event(Sse sse, String name, UUID id, Object data) {
        String json;
        try {
            json = MAPPER.writeValueAsString(Map.of("id", id, "data", data));
        } catch (Exception e) {
            json = "{}";
        }
        return sse.newEventBuilder().name(name).data(json).mediaType(MediaType.APPLICATION_JSON_TYPE).build();
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // nothing to do
        }
    }
}
