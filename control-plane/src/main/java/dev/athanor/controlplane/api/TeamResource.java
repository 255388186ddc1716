package dev.athanor.controlplane.api;

import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.Role;
import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.controlplane.scheduling.SchedulingStore;
import dev.athanor.controlplane.scheduling.TeamStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Teams and their GPU quotas, {@code /api/v1/teams}. Members of a team see it, its quotas and its usage; only
 * cluster admins create teams and change quotas (audited). Another team's name answers 404.
 */
@Path("/api/v1/teams")
@Produces(MediaType.APPLICATION_JSON)
public class TeamResource {

    @Inject
    TeamStore teams;
    @Inject
    Access access;
    @Inject
    AuditLog audit;
    @Inject
    AthanorConfig config;
    @Inject
    SchedulingStore quotaRows;

    public record TeamList(List<TeamStore.TeamInfo> items) {
    }

    /**
     * One flavor of a team's quota and what it uses. {@code borrowed}: GPUs used above nominal; {@code idleLendable}:
     * unused nominal its cohort may borrow now; {@code lent}: the part of that idle quota other teams of the cohort
     * use now (pro rata over the cohort's lenders, after the cohort's shared pool).
     */
    public record QuotaUsage(String flavor, int nominal, Integer borrowingLimit, Integer lendingLimit, long used,
                             long borrowed, long idleLendable, long lent, long pendingGpus) {
    }

    public record TeamQuotas(String team, String cohort, double weight, List<QuotaUsage> flavors) {
    }

    @GET
    @Operation(summary = "Teams the caller belongs to (all teams for cluster admins)")
    public TeamList list() {
        Caller c = access.caller();
        return new TeamList(teams.teams(c.visibleTeams()));
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a team (cluster admin)", description = "Body: {name, description?, cohort?, weight?}. "
            + "cohort defaults to the default cohort; weight (default 1.0) scales the team's fair share.")
    public Response create(String body, @Context UriInfo uri) {
        access.requireClusterAdmin();
        AdminBodies b = AdminBodies.parse(body, Set.of("name", "description", "cohort", "weight"));
        String name = b.text("name", true, AdminBodies.NAME, AdminBodies.NAME_RULE);
        String description = b.text("description", false, null, "must be a string");
        String cohort = b.text("cohort", false, AdminBodies.NAME, AdminBodies.NAME_RULE);
        Double weight = b.number("weight", 0, 1000);
        b.done();
        String co = cohort == null ? config.scheduling().defaultCohort() : cohort;
        double w = weight == null ? 1.0 : weight;
        if (!teams.createTeam(name, description, co, w)) {
            return Problem.response(409, "Conflict", "team " + name + " already exists");
        }
        audit.record(access.caller(), "team.create", "team/" + name, Map.of("cohort", co, "weight", w));
        return Response.created(uri.getBaseUriBuilder().path("api/v1/teams").path(name).build())
                .entity(teams.team(name).orElseThrow()).build();
    }

    @GET
    @Path("{team}")
    @Operation(summary = "A team")
    public TeamStore.TeamInfo get(@PathParam("team") String team) {
        access.requireTeam(team, Role.VIEWER);
        return teams.team(team).orElseThrow(() -> noTeam(team));
    }

    @PATCH
    @Path("{team}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a team's description, cohort or weight (cluster admin)")
    public TeamStore.TeamInfo update(@PathParam("team") String team, String body) {
        access.requireClusterAdmin();
        AdminBodies b = AdminBodies.parse(body, Set.of("description", "cohort", "weight"));
        String description = b.text("description", false, null, "must be a string");
        String cohort = b.text("cohort", false, AdminBodies.NAME, AdminBodies.NAME_RULE);
        Double weight = b.number("weight", 0, 1000);
        b.done();
        TeamStore.TeamInfo before = teams.team(team).orElseThrow(() -> noTeam(team));
        teams.updateTeam(team, description, cohort, weight);
        TeamStore.TeamInfo after = teams.team(team).orElseThrow(() -> noTeam(team));
        audit.record(access.caller(), "team.update", "team/" + team, Map.of("before", before, "after", after));
        return after;
    }

    public record SetPriorityCap(String maxPriority) {
    }

    @GET
    @Path("{team}/priority-cap")
    @Operation(summary = "The highest priority the team's jobs may use (VIEWER of the team)",
            description = "clusterCap: set by cluster admins; teamCap: set by the team's admins; effective: the lower "
                    + "of the two (null: no cap).")
    public Map<String, Object> priorityCap(@PathParam("team") String team) {
        access.requireTeam(team, Role.VIEWER);
        return capView(teams.priorityCap(team).orElseThrow(() -> noTeam(team)));
    }

    @PUT
    @Path("{team}/priority-cap")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Cap the priority a team may use: {\"maxPriority\": \"HIGH\"} (null clears)",
            description = "A cluster admin sets the cluster cap, which binds everyone in the team; a TEAM_ADMIN sets "
                    + "the team's own cap. Submissions above the effective cap get 400 (field priority). Audited.")
    public Map<String, Object> setPriorityCap(@PathParam("team") String team, String body) {
        access.requireTeam(team, Role.TEAM_ADMIN);
        SetPriorityCap req = Bodies.read(body, SetPriorityCap.class);
        dev.athanor.common.job.Priority cap = null;
        if (req.maxPriority() != null) {
            try {
                cap = dev.athanor.common.job.Priority.valueOf(req.maxPriority().trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                Bodies.failOn(List.of(new dev.athanor.common.spec.FieldError("maxPriority",
                        "one of LOW, NORMAL, HIGH, URGENT, or null to clear")));
            }
        }
        TeamStore.PriorityCap before = teams.priorityCap(team).orElseThrow(() -> noTeam(team));
        boolean cluster = access.caller().clusterAdmin();
        teams.setPriorityCap(team, cluster, cap);
        TeamStore.PriorityCap after = teams.priorityCap(team).orElseThrow(() -> noTeam(team));
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("scope", cluster ? "cluster" : "team");
        d.put("before", capView(before));
        d.put("after", capView(after));
        audit.record(access.caller(), "team.priority-cap", "team/" + team, d);
        return capView(after);
    }

    private static Map<String, Object> capView(TeamStore.PriorityCap c) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("team", c.team());
        m.put("clusterCap", c.clusterCap() == null ? null : c.clusterCap().name());
        m.put("teamCap", c.teamCap() == null ? null : c.teamCap().name());
        m.put("effective", c.effective() == null ? null : c.effective().name());
        return m;
    }

    @GET
    @Path("{team}/quotas")
    @Operation(summary = "The team's quota per flavor with what it uses, borrows and lends now")
    public TeamQuotas quotas(@PathParam("team") String team) {
        access.requireTeam(team, Role.VIEWER);
        TeamStore.TeamInfo t = teams.team(team).orElseThrow(() -> noTeam(team));
        return quotaUsage(t);
    }

    @PUT
    @Path("{team}/quotas/{flavor}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Set the team's quota on a flavor (cluster admin)", description = "Body: {nominal, "
            + "borrowingLimit?, lendingLimit?} in GPUs; a missing limit is unlimited. borrowingLimit 0 keeps the team "
            + "within nominal; lendingLimit 0 keeps all of its nominal for itself.")
    public TeamQuotas putQuota(@PathParam("team") String team, @PathParam("flavor") String flavor, String body) {
        access.requireClusterAdmin();
        AdminBodies b = AdminBodies.parse(body, Set.of("nominal", "borrowingLimit", "lendingLimit"));
        Integer nominal = b.integer("nominal", true, 0, 1_000_000);
        Integer borrow = b.integer("borrowingLimit", false, 0, 1_000_000);
        Integer lend = b.integer("lendingLimit", false, 0, 1_000_000);
        b.done();
        TeamStore.TeamInfo t = teams.team(team).orElseThrow(() -> noTeam(team));
        if (teams.flavor(flavor).isEmpty()) {
            throw new NotFoundException("no flavor " + flavor + "; create it with PUT /api/v1/flavors/" + flavor);
        }
        TeamStore.Quota before = teams.quotas(team).stream().filter(q -> q.flavor().equals(flavor)).findFirst().orElse(null);
        TeamStore.Quota after = new TeamStore.Quota(flavor, nominal, borrow, lend);
        teams.putQuota(team, after);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("before", before);
        details.put("after", after);
        audit.record(access.caller(), "quota.update", "team/" + team + "/quota/" + flavor, details);
        return quotaUsage(t);
    }

    @DELETE
    @Path("{team}/quotas/{flavor}")
    @Operation(summary = "Remove the team's quota on a flavor (cluster admin): nominal 0, borrowing unlimited")
    public Response deleteQuota(@PathParam("team") String team, @PathParam("flavor") String flavor) {
        access.requireClusterAdmin();
        teams.team(team).orElseThrow(() -> noTeam(team));
        TeamStore.Quota before = teams.quotas(team).stream().filter(q -> q.flavor().equals(flavor)).findFirst()
                .orElseThrow(() -> new NotFoundException("team " + team + " has no quota on " + flavor));
        teams.deleteQuota(team, flavor);
        audit.record(access.caller(), "quota.delete", "team/" + team + "/quota/" + flavor, Map.of("before", before));
        return Response.noContent().build();
    }

    /** One query each for teams, usage and quotas: the team's figures and the cohort arithmetic behind "lent". */
    private TeamQuotas quotaUsage(TeamStore.TeamInfo t) {
        Set<String> cohort = new HashSet<>();
        teams.teams(null).stream().filter(x -> t.cohort().equals(x.cohort())).forEach(x -> cohort.add(x.name()));
        Map<String, SchedulingStore.QuotaRow> quotas = new HashMap<>(); // "team/flavor" → quota, cohort members only
        for (SchedulingStore.QuotaRow q : quotaRows.quotas()) {
            if (cohort.contains(q.team())) {
                quotas.put(q.team() + "/" + q.flavor(), q);
            }
        }
        Map<String, TeamStore.Usage> usage = new HashMap<>(); // "team/flavor" → usage, cohort members only
        TreeSet<String> flavors = new TreeSet<>();
        for (TeamStore.Usage u : teams.usage(cohort)) {
            usage.put(u.team() + "/" + u.flavor(), u);
        }
        quotas.values().stream().filter(q -> q.team().equals(t.name())).forEach(q -> flavors.add(q.flavor()));
        usage.values().stream().filter(u -> u.team().equals(t.name())).forEach(u -> flavors.add(u.flavor()));
        List<QuotaUsage> out = new ArrayList<>();
        for (String f : flavors) {
            // Borrowed by the cohort beyond its shared pool, split over the members' idle lendable quota.
            long cohortBorrowed = 0;
            long cohortIdle = 0;
            long mineIdle = 0;
            for (String member : cohort) {
                SchedulingStore.QuotaRow q = quotas.get(member + "/" + f);
                TeamStore.Usage u = usage.get(member + "/" + f);
                long nominal = q == null ? 0 : q.nominal();
                long lendable = q == null || q.lendingLimit() == null ? nominal : Math.min(nominal, q.lendingLimit());
                long used = u == null ? 0 : u.used();
                cohortBorrowed += Math.max(0, used - nominal);
                long idle = Math.min(lendable, Math.max(0, nominal - used));
                cohortIdle += idle;
                if (member.equals(t.name())) {
                    mineIdle = idle;
                }
            }
            SchedulingStore.QuotaRow q = quotas.get(t.name() + "/" + f);
            TeamStore.Usage u = usage.get(t.name() + "/" + f);
            int nominal = q == null ? 0 : q.nominal();
            long used = u == null ? 0 : u.used();
            long lent = cohortIdle == 0 ? 0 : Math.round((double) Math.min(cohortBorrowed, cohortIdle) * mineIdle / cohortIdle);
            out.add(new QuotaUsage(f, nominal, q == null ? null : q.borrowingLimit(), q == null ? null : q.lendingLimit(),
                    used, Math.max(0, used - nominal), mineIdle, lent, u == null ? 0 : u.pending()));
        }
        return new TeamQuotas(t.name(), t.cohort(), t.weight(), out);
    }

    static NotFoundException noTeam(String team) {
        return new NotFoundException("no team " + team);
    }
}
