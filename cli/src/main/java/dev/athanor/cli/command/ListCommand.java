package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiClient;
import dev.athanor.cli.render.JobRender;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.JobState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "list", aliases = "ls", description = "List jobs, newest first.")
public final class ListCommand extends BaseCommand {
    @Option(names = "--team", paramLabel = "TEAM", description = "Only this team's jobs.")
    String team;

    @Option(names = "--state", split = ",", paramLabel = "STATE",
            description = "Only jobs in these states (comma-separated): ${COMPLETION-CANDIDATES}.")
    List<JobState> states = new ArrayList<>();

    @Option(names = "--kind", paramLabel = "KIND", description = "Only this kind: ${COMPLETION-CANDIDATES}.")
    JobKind kind;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "Jobs per page, 1-500 (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--all", description = "Follow nextCursor and list every matching job.")
    boolean all;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        if (limit < 1 || limit > 500) {
            throw new CliException(ExitCodes.INVALID, "error: --limit must be between 1 and 500");
        }
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        String next;
        do {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("team", team);
            q.put("state", states.isEmpty() ? null : states.stream().map(Enum::name).collect(Collectors.joining(",")));
            q.put("kind", kind == null ? null : kind.name());
            q.put("limit", limit);
            q.put("cursor", cursor);
            JsonNode page = client().get(ApiClient.API + "/jobs", q);
            page.path("items").forEach(items::add);
            next = page.hasNonNull("nextCursor") && !page.get("nextCursor").asText().isEmpty() ? page.get("nextCursor").asText() : null;
            if (next != null && next.equals(cursor)) {
                break;
            }
            cursor = next;
        } while (all && next != null);

        if (output.format != OutputFormat.table) {
            ObjectNode o = JsonNodeFactory.instance.objectNode();
            o.putArray("items").addAll(items);
            if (next != null && !all) {
                o.put("nextCursor", next);
            } else {
                o.putNull("nextCursor");
            }
            print(o, output.format);
            return ExitCodes.OK;
        }
        if (items.isEmpty()) {
            out().println("No jobs found.");
        } else {
            out().print(JobRender.table(items, Instant.now()));
        }
        if (next != null && !all) {
            err().println("(more jobs: use --all, or a larger --limit)");
        }
        out().flush();
        return ExitCodes.OK;
    }
}
