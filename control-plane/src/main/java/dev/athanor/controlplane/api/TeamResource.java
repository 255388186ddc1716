package dev.athanor.controlplane.api;

import dev.athanor.controlplane.auth.Access;
import dev.athanor.controlplane.auth.AuditLog;
import dev.athanor.controlplane.auth.Caller;
import dev.athanor.controlplane.auth.Role;
import dev.athanor.controlplane.config.AthanorConfig;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        String name = b.text("name", true, AdminBodies.NAME, "must be 1-63 lowercase letters, digits or '-'");
        String description = b.text("description", false, null, "must be a string");
        String cohort = b.text("cohort", false, AdminBodies.NAME, "must be 1-63 lowercase letters, digits or '-'");
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
        String cohort = b.text("cohort", false, AdminBodies.NAME, "must be 1-63 lowercase letters, digits or '-'");
        Double weight = b.number("weight", 0, 1000);
        b.done();
        TeamStore.TeamInfo before = teams.team(team).orElseThrow(() -> noTeam(team));
        teams.updateTeam(team, description, cohort, weight);
        TeamStore.TeamInfo after = teams.team(team).orElseThrow(() -> noTeam(team));
        audit.record(access.caller(), "team.update", "team/" + team, Map.of("before", before, "after", after));
        return after;
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

    private TeamQuotas quotaUsage(TeamStore.TeamInfo t) {
        List<TeamStore.TeamInfo> all = teams.teams(null);
        Map<String, String> cohortOf = new HashMap<>();
        all.forEach(x -> cohortOf.put(x.name(), x.cohort()));
        List<TeamStore.Usage> usage = teams.usage(null);
        Map<String, Map<String, TeamStore.Quota>> quotas = new HashMap<>();
        for (TeamStore.TeamInfo x : all) {
            if (t.cohort().equals(x.cohort())) {
                Map<String, TeamStore.Quota> m = new HashMap<>();
                teams.quotas(x.name()).forEach(q -> m.put(q.flavor(), q));
                quotas.put(x.name(), m);
            }
        }
        Map<String, TeamStore.Quota> own = quotas.getOrDefault(t.name(), Map.of());
        java.util.TreeSet<String> flavors = new java.util.TreeSet<>(own.keySet());
        usage.stream().filter(u -> u.team().equals(t.name())).forEach(u -> flavors.add(u.flavor()));
        List<QuotaUsage> out = new ArrayList<>();
        for (String f : flavors) {
            TeamStore.Quota q = own.get(f);
            int nominal = q == null ? 0 : q.nominal();
            long used = 0;
            long pending = 0;
            // Cohort arithmetic for "lent": borrowed by the cohort beyond the shared pool, split over idle lenders.
            long cohortBorrowed = 0;
            long cohortIdle = 0;
            long mineIdle = 0;
            Map<String, long[]> perTeam = new HashMap<>();
            for (TeamStore.Usage u : usage) {
                if (u.flavor().equals(f) && t.cohort().equals(cohortOf.get(u.team()))) {
                    perTeam.computeIfAbsent(u.team(), k -> new long[2])[0] += u.used();
                }
                if (u.flavor().equals(f) && u.team().equals(t.name())) {
                    used += u.used();
                    pending += u.pending();
                }
            }
            for (Map.Entry<String, Map<String, TeamStore.Quota>> e : quotas.entrySet()) {
                perTeam.computeIfAbsent(e.getKey(), k -> new long[2]);
            }
            for (Map.Entry<String, long[]> e : perTeam.entrySet()) {
                TeamStore.Quota tq = quotas.getOrDefault(e.getKey(), Map.of()).get(f);
                long n = tq == null ? 0 : tq.nominal();
                long lendLimit = tq == null || tq.lendingLimit() == null ? n : Math.min(n, tq.lendingLimit());
                long u = e.getValue()[0];
                cohortBorrowed += Math.max(0, u - n);
                long idle = Math.min(lendLimit, Math.max(0, n - u));
                cohortIdle += idle;
                if (e.getKey().equals(t.name())) {
                    mineIdle = idle;
                }
            }
            long lent = cohortIdle == 0 ? 0 : Math.round((double) Math.min(cohortBorrowed, cohortIdle) * mineIdle / cohortIdle);
            out.add(new QuotaUsage(f, nominal, q == null ? null : q.borrowingLimit(), q == null ? null : q.lendingLimit(),
                    used, Math.max(0, used - nominal), mineIdle, lent, pending));
        }
        return new TeamQuotas(t.name(), t.cohort(), t.weight(), out);
    }

    static NotFoundException noTeam(String team) {
        return new NotFoundException("no team " + team);
    }
}
