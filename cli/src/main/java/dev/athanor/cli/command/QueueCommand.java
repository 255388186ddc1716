package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "queue",
        description = {"Pending GPU jobs in queue order: position in the team's and the flavor's queue, why each waits "
                + "and when it is expected to start.", "Without --team: every queue you can see, by flavor."})
public final class QueueCommand extends BaseCommand {
    @Option(names = "--team", paramLabel = "TEAM", description = "Only this team's queue, in team order.")
    String team;

    @Option(names = "--flavor", paramLabel = "FLAVOR", description = "Only this flavor's queue ('*': jobs that accept any).")
    String flavor;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "At most N jobs, 1-1000 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--summary", description = "Counts of pending jobs and GPUs per team, flavor and reason instead.")
    boolean summary;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 1000) {
            throw new CliException(ExitCodes.INVALID, "error: --limit must be between 1 and 1000");
        }
        if (summary) {
            JsonNode s = client().get(ApiClient.API + "/queues/summary");
            if (output.format != OutputFormat.table) {
                print(s, output.format);
                return ExitCodes.OK;
            }
            if (s.path("items").isEmpty()) {
                out().println("No pending GPU jobs.");
            } else {
                out().printf("%-20s %-16s %-13s %6s %6s%n", "TEAM", "FLAVOR", "REASON", "JOBS", "GPUS");
                for (JsonNode c : s.path("items")) {
                    out().printf("%-20s %-16s %-13s %6d %6d%n", c.path("team").asText(), c.path("flavorQueue").asText(),
                            c.path("reason").asText(), c.path("jobs").asLong(), c.path("gpus").asLong());
                }
            }
            out().flush();
            return ExitCodes.OK;
        }
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("team", team);
        q.put("flavor", flavor);
        q.put("limit", limit);
        JsonNode page = client().get(ApiClient.API + "/queues", q);
        if (output.format != OutputFormat.table) {
            print(page, output.format);
            return ExitCodes.OK;
        }
        if (page.path("items").isEmpty()) {
            out().println("No pending GPU jobs" + (team == null ? "." : " for team " + team + "."));
            out().flush();
            return ExitCodes.OK;
        }
        Instant now = Instant.now();
        out().printf("%-5s %-6s %-8s %-24s %-14s %-7s %4s %-14s %-12s %-9s %s%n", "TEAM#", "FLAV#", "ID", "NAME", "TEAM",
                "PRIO", "GPUS", "FLAVOR", "REASON", "START", "WHY");
        for (JsonNode e : page.path("items")) {
            out().printf("%-5d %-6d %-8s %-24s %-14s %-7s %4d %-14s %-12s %-9s %s%n", e.path("teamPosition").asInt(),
                    e.path("flavorPosition").asInt(), e.path("jobId").asText().substring(0, 8),
                    cut(e.path("name").asText(), 24), cut(e.path("team").asText(), 14), e.path("priority").asText(),
                    e.path("gpus").asLong(), cut(e.path("flavorQueue").asText(), 14), e.path("reason").asText(),
                    eta(e.path("estimatedStart"), now), e.path("message").asText(""));
        }
        if (page.hasNonNull("nextOffset")) {
            err().println("(more jobs: use a larger --limit)");
        }
        out().flush();
        return ExitCodes.OK;
    }

    static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    /** "in 4m", "now", or "?" when unknown. */
    static String eta(JsonNode at, Instant now) {
        if (at == null || at.isNull() || at.asText().isEmpty()) {
            return "?";
        }
        Duration d = Duration.between(now, Instant.parse(at.asText()));
        if (d.isNegative() || d.isZero() || d.getSeconds() < 1) {
            return "now";
        }
        if (d.toMinutes() < 1) {
            return "in " + d.getSeconds() + "s";
        }
        if (d.toHours() < 1) {
            return "in " + d.toMinutes() + "m";
        }
        if (d.toDays() < 1) {
            return "in " + d.toHours() + "h" + (d.toMinutesPart() > 0 ? d.toMinutesPart() + "m" : "");
        }
        return "in " + d.toDays() + "d";
    }
}
