package dev.athanor.controlplane.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.JobState;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.secret.SecretNames;
import dev.athanor.common.spec.FieldError;
import dev.athanor.common.spec.InvalidSpecException;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.SecretRef;
import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.AuthProblem;
import dev.athanor.controlplane.auth.Authenticator;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.Role;
import dev.athanor.controlplane.lifecycle.Dispatcher;
import dev.athanor.controlplane.lifecycle.LauncherBinding;
import dev.athanor.controlplane.live.LiveBus;
import dev.athanor.controlplane.store.Cursor;
import dev.athanor.controlplane.store.HistoryStore;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import dev.athanor.controlplane.store.TransitionEntity;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The jobs API, {@code /api/v1/jobs}. See docs/api.md. Every endpoint is authorized by the job's team: another
 * team's job answers exactly like a missing one (404); submitting and cancelling need MEMBER, reading VIEWER.
 */
@Path("/api/v1/jobs")
@org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement(name = "bearer")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {

    private static final ObjectMapper MAPPER = Json.lenient();
    private static final Set<String> STATES = Arrays.stream(JobState.values()).map(Enum::name).collect(Collectors.toSet());

    @Inject
    JobStore jobs;
    @Inject
    HistoryStore history;
    @Inject
    Validation validation;
    @Inject
    Dispatcher dispatcher;
    @Inject
    LiveBus bus;
    @Inject
    Access access;
    @Inject
    AuditLog audit;
    @Inject
    Authenticator authenticator;
    @Inject
    LauncherBinding binding;
    @Inject
    dev.athanor.controlplane.config.AthanorConfig config;
    @Inject
    dev.athanor.controlplane.scheduling.TeamStore teams;

    public record JobList(List<JobView> items, String nextCursor) {
    }

    public record Items<T>(List<T> items) {
    }

    public record TimelineEntry(Instant at, String from, String to, int attempt, String reason, String message) {
    }

    public record MetricSeries(String name, List<HistoryStore.MetricPoint> points) {
    }

    public record MetricNames(List<String> names) {
    }

    public record LogPage(List<HistoryStore.LogLine> items, String nextCursor) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job", description = "201 with Location for a new job; 200 with the existing job "
            + "when the team already submitted this idempotencyKey. Needs the MEMBER role in the job's team (403 "
            + "otherwise, worded the same whether or not the team exists); 400 when a cluster admin names a team "
            + "that does not exist.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON, examples = {
            @ExampleObject(name = "AUGMENTATION", value = Examples.AUGMENTATION),
            @ExampleObject(name = "LABELING", value = Examples.LABELING),
            @ExampleObject(name = "FINE_TUNE", value = Examples.FINE_TUNE),
            @ExampleObject(name = "EVALUATION", value = Examples.EVALUATION)}))
    public Response submit(String body, @Context UriInfo uri) {
        Validation.Valid v = validation.parse(body);
        String team = v.submission().team();
        Caller caller = access.caller();
        if (!caller.can(team, Role.MEMBER)) {
            throw AuthProblem.forbidden("you cannot submit for team " + team);
        }
        if (!authenticator.teamExists(team)) {
            // Only cluster admins get here: members' teams exist (memberships reference them).
            throw new BadRequestProblem("Unknown team", "team " + team + " does not exist; create it first "
                    + "(POST /api/v1/teams)", List.of(new FieldError("team", "no team named '" + team + "'")));
        }
        requireOwnSecrets(team, v.spec());
        String key = v.submission().idempotencyKey();
        if (key != null) {
            var existing = jobs.findByIdempotencyKey(v.submission().team(), key);
            if (existing.isPresent()) {
                return Response.ok(existing.get()).build();
            }
        }
        var cap = teams.priorityCap(team).map(dev.athanor.controlplane.scheduling.TeamStore.PriorityCap::effective);
        if (cap.isPresent() && v.submission().priority().weight() > cap.get().weight()) {
            throw new BadRequestProblem("Invalid job", "team " + team + " may use at most priority " + cap.get(),
                    List.of(new FieldError("priority", "at most " + cap.get() + " for team " + team
                            + " (GET /api/v1/teams/" + team + "/priority-cap)")));
        }
        int maxPending = config.api().maxPendingPerTeam();
        if (jobs.pendingAtLeast(team, maxPending)) {
            return Response.fromResponse(Problem.response(429, "Too many pending jobs", "team " + team + " has "
                    + maxPending + " pending jobs, the most one team may queue (athanor.api.max-pending-per-team); "
                    + "submit again when some have started or been cancelled")).header("Retry-After", "30").build();
        }
        JobView created;
        try {
            created = jobs.create(v.submission(), v.spec());
        } catch (JobStore.DuplicateKeyException e) {
            // A concurrent submission with the same idempotency key won the unique index.
            if (key != null) {
                var existing = jobs.findByIdempotencyKey(v.submission().team(), key);
                if (existing.isPresent()) {
                    return Response.ok(existing.get()).build();
                }
            }
            throw e;
        }
        dispatcher.wakeup();
        return Response.created(uri.getBaseUriBuilder().path("api/v1/jobs").path(created.id().toString()).build())
                .entity(created).build();
    }

    /**
     * Every secret the spec names must be one of the job's own team's secrets. The answer is worded the same whether
     * the name is another team's secret or no secret at all, so it tells nothing about other teams.
     */
    private void requireOwnSecrets(String team, JobSpec spec) {
        List<FieldError> errors = new ArrayList<>();
        for (SecretRef ref : spec.secretRefs()) {
            if (!SecretNames.valid(team) || !SecretNames.valid(ref.name())
                    || binding.secrets().find(team, ref.name()).isEmpty()) {
                errors.add(new FieldError(ref.field(), "must name a secret of team " + team
                        + " (team admins store them with PUT /api/v1/teams/" + team + "/secrets/{name})"));
            }
        }
        if (!errors.isEmpty()) {
            throw new InvalidSpecException(errors);
        }
    }

    @GET
    @Path("{id}")
    @Operation(summary = "Get a job")
    public JobView get(@PathParam("id") UUID id) {
        return visibleJob(id);
    }

    @GET
    @Operation(summary = "List jobs, newest first", description = "Keyset pagination: pass nextCursor back as cursor. "
            + "Only jobs of teams the caller may see; team= naming any other team gives an empty list. q= matches "
            + "text in the name or the labels (case-insensitive).")
    public JobList list(@QueryParam("team") String team, @QueryParam("state") List<String> state,
                        @QueryParam("kind") String kind, @QueryParam("limit") Integer limit,
                        @QueryParam("cursor") String cursor, @QueryParam("q") String text) {
        List<FieldError> errors = new ArrayList<>();
        int lim = limit == null ? 50 : limit;
        if (lim < 1 || lim > 500) {
            errors.add(new FieldError("limit", "must be between 1 and 500"));
        }
        List<String> states = new ArrayList<>();
        if (state != null) {
            for (String s : state) {
                for (String part : s.split(",")) {
                    String p = part.trim().toUpperCase(Locale.ROOT);
                    if (p.isEmpty()) {
                        continue;
                    }
                    if (!STATES.contains(p)) {
                        errors.add(new FieldError("state", "unknown state '" + part.trim() + "'; one of " + STATES.stream().sorted().toList()));
                    } else {
                        states.add(p);
                    }
                }
            }
        }
        String k = null;
        if (kind != null && !kind.isBlank()) {
            k = kind.trim().toUpperCase(Locale.ROOT);
            try {
                JobKind.valueOf(k);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("kind", "unknown kind '" + kind + "'; one of " + Arrays.toString(JobKind.values())));
            }
        }
        String q = text == null || text.isBlank() ? null : text.trim();
        if (q != null && q.length() > 100) {
            errors.add(new FieldError("q", "at most 100 characters"));
        }
        Cursor c = null;
        if (cursor != null && !cursor.isBlank()) {
            try {
                c = Cursor.decode(cursor);
            } catch (IllegalArgumentException e) {
                errors.add(new FieldError("cursor", e.getMessage()));
            }
        }
        if (!errors.isEmpty()) {
            throw new BadRequestProblem("Invalid query", errors.stream().map(FieldError::toString)
                    .collect(Collectors.joining("; ")), errors);
        }
        String t = team == null || team.isBlank() ? null : team;
        Caller caller = access.caller();
        if (t != null && !caller.canView(t)) {
            return new JobList(List.of(), null);
        }
        JobStore.Page page = jobs.list(new JobStore.ListFilter(t, states, k, t != null ? null : caller.visibleTeams(), q),
                c, lim);
        return new JobList(page.items(), page.nextCursor());
    }

    @POST
    @Path("{id}/cancel")
    @Operation(summary = "Cancel a job", description = "202; a running job is stopped (SIGTERM, then SIGKILL after the "
            + "grace period) and becomes CANCELLED when its workers have exited. 409 for a finished job. Needs MEMBER "
            + "in the job's team; a cluster admin cancelling another team's job is a forced cancel (audited).")
    public Response cancel(@PathParam("id") UUID id) {
        JobView job = visibleJob(id);
        Caller caller = access.caller();
        if (!caller.can(job.team(), Role.MEMBER)) {
            throw AuthProblem.forbidden("cancelling needs the MEMBER role in team " + job.team());
        }
        Role own = caller.teams().get(job.team());
        boolean forced = own == null || !own.atLeast(Role.MEMBER);
        JobStore.CancelResult r;
        if (forced) {
            // the audit entry commits with the cancel, or neither does
            r = QuarkusTransaction.joiningExisting().call(() -> {
                JobStore.CancelResult res = jobs.cancel(id, caller.subject()).orElseThrow(() -> notFound(id));
                audit.record(caller, "job.cancel.forced", "job/" + id, Map.of("team", job.team(), "name", job.name(),
                        "stateBefore", job.state()));
                return res;
            });
        } else {
            r = jobs.cancel(id, caller.subject()).orElseThrow(() -> notFound(id));
        }
        if (r.stopWorkers()) {
            dispatcher.stop(new AttemptKey(id, r.job().attempt()));
        }
        return Response.accepted(r.job()).build();
    }

    @GET
    @Path("{id}/timeline")
    @Operation(summary = "Every state change of a job, oldest first, with reasons")
    public Items<TimelineEntry> timeline(@PathParam("id") UUID id) {
        requireJob(id);
        List<TransitionEntity> ts = jobs.timeline(id);
        return new Items<>(ts.stream().map(t -> new TimelineEntry(t.at, t.fromState, t.toState, t.attempt, t.reason,
                t.message)).toList());
    }

    @GET
    @Path("{id}/attempts")
    @Operation(summary = "The attempts of a job with exit codes and last log lines")
    public Items<Map<String, Object>> attempts(@PathParam("id") UUID id) {
        requireJob(id);
        return new Items<>(jobs.attempts(id).stream().map(a -> {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("attempt", a.id.number);
            m.put("state", a.state);
            m.put("launcher", a.launcher);
            m.put("launchName", a.launchName);
            m.put("createdAt", a.createdAt);
            m.put("startedAt", a.startedAt);
            m.put("finishedAt", a.finishedAt);
            m.put("lastHeartbeat", a.lastHeartbeat);
            m.put("exitCode", a.exitCode);
            m.put("reason", a.reason);
            m.put("message", a.message);
            m.put("lastLines", a.lastLines);
            m.put("result", a.result);
            return m;
        }).toList());
    }

    @GET
    @Path("{id}/metrics")
    @Operation(summary = "Metric names of a job, or one metric series with ?name=", description = "points=N "
            + "(3..10000) downsamples the series on the server (LTTB), keeping its shape and peaks.")
    public Object metrics(@PathParam("id") UUID id, @QueryParam("name") String name,
                          @QueryParam("limit") Integer limit, @QueryParam("points") Integer points) {
        requireJob(id);
        if (name == null || name.isBlank()) {
            return new MetricNames(history.metricNames(id));
        }
        int lim = limit == null ? (points != null ? 100_000 : 10_000) : limit;
        if (lim < 1 || lim > 100_000) {
            throw new BadRequestProblem("Invalid query", "limit must be between 1 and 100000",
                    List.of(new FieldError("limit", "must be between 1 and 100000")));
        }
        if (points != null && (points < 3 || points > 10_000)) {
            throw new BadRequestProblem("Invalid query", "points must be between 3 and 10000",
                    List.of(new FieldError("points", "must be between 3 and 10000")));
        }
        List<HistoryStore.MetricPoint> series = history.metric(id, name, lim);
        if (points != null) {
            series = dev.athanor.controlplane.dashboard.Lttb.downsample(series, points, p -> p.step(), p -> p.value());
        }
        return new MetricSeries(name, series);
    }

    @GET
    @Path("{id}/logs")
    @Produces({MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN})
    @Operation(summary = "Persisted log lines of a job (they outlive the worker); text/plain for raw lines")
    public Response logs(@PathParam("id") UUID id, @QueryParam("after") String after, @QueryParam("limit") Integer limit,
                         @QueryParam("attempt") Integer attempt, @Context jakarta.ws.rs.core.HttpHeaders headers) {
        requireJob(id);
        long afterId = 0;
        if (after != null && !after.isBlank()) {
            try {
                afterId = Long.parseLong(after);
            } catch (NumberFormatException e) {
                throw new BadRequestProblem("Invalid query", "after must be the nextCursor of a previous page",
                        List.of(new FieldError("after", "must be the nextCursor of a previous page")));
            }
        }
        int lim = limit == null ? 1000 : limit;
        if (lim < 1 || lim > 10_000) {
            throw new BadRequestProblem("Invalid query", "limit must be between 1 and 10000",
                    List.of(new FieldError("limit", "must be between 1 and 10000")));
        }
        List<HistoryStore.LogLine> lines = history.logs(id, attempt, afterId, lim);
        String next = lines.isEmpty() ? (afterId > 0 ? String.valueOf(afterId) : null)
                : String.valueOf(lines.get(lines.size() - 1).id());
        boolean text = headers.getAcceptableMediaTypes().stream()
                .anyMatch(m -> m.isCompatible(MediaType.TEXT_PLAIN_TYPE) && !m.isWildcardType());
        if (text) {
            String body = lines.stream().map(HistoryStore.LogLine::line).collect(Collectors.joining("\n"));
            return Response.ok(lines.isEmpty() ? "" : body + "\n", MediaType.TEXT_PLAIN_TYPE)
                    .header("X-Next-Cursor", next).build();
        }
        return Response.ok(new LogPage(lines, next), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("{id}/artifacts")
    @Operation(summary = "Files a job produced")
    public Items<HistoryStore.Artifact> artifacts(@PathParam("id") UUID id) {
        requireJob(id);
        return new Items<>(history.artifacts(id));
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Operation(summary = "Live events of a job (Server-Sent Events): state, progress, metrics, log, artifact")
    @Blocking
    public Multi<OutboundSseEvent> events(@PathParam("id") UUID id, @Context Sse sse) {
        JobView first = visibleJob(id);
        AutoCloseable permit;
        try {
            permit = bus.openStream(access.caller().subject());
        } catch (LiveBus.TooManyStreams e) {
            throw new WebApplicationException(Problem.response(429, "Too many live streams", e.getMessage()));
        }
        // Bounded: the bus delivers only on demand and keeps at most athanor.live.buffer messages per subscriber;
        // the emitter's own buffer holds only the closing message beyond that.
        return Multi.createFrom().<OutboundSseEvent>emitter(em -> {
            LiveBus.Subscription sub = bus.subscribe(id, new LiveBus.Sink() {
                @Override
                public boolean offer(LiveBus.Message m) {
                    if (em.isCancelled()) {
                        return true;
                    }
                    if (em.requested() <= 0) {
                        return false;
                    }
                    em.emit(event(sse, m.event(), m.data()));
                    if (m.terminal()) {
                        em.complete();
                    }
                    return true;
                }

                @Override
                public void close(String reason) {
                    em.emit(event(sse, "closed", java.util.Map.of("reason", reason)));
                    em.complete();
                }
            });
            em.onRequest(n -> sub.wake());
            em.onTermination(() -> {
                closeQuietly(sub);
                closeQuietly(permit);
            });
            // Subscribed first, then read the state (off the IO thread): nothing published in between is lost.
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                JobView now = jobs.get(id).orElse(first);
                sub.push(new LiveBus.Message(id, "job", now, JobState.valueOf(now.state()).isTerminal()));
            });
        }, 16);
    }

    private static OutboundSseEvent event(Sse sse, String name, Object data) {
        String json;
        try {
            json = MAPPER.writeValueAsString(data);
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

    private void requireJob(UUID id) {
        visibleJob(id);
    }

    /** The job if the caller may see its team; otherwise 404 exactly like a job that does not exist. */
    private JobView visibleJob(UUID id) {
        JobView j = jobs.get(id).orElseThrow(() -> notFound(id));
        if (!access.caller().canView(j.team())) {
            throw notFound(id);
        }
        return j;
    }

    private static NotFoundException notFound(UUID id) {
        return new NotFoundException("no job " + id);
    }
}
