package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiException;
import dev.athanor.cli.render.Format;
import dev.athanor.cli.render.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "timeline", description = "Every state transition of a job, oldest first, with its reason.")
public final class TimelineCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        String jobId = resolveJobId(id);
        JsonNode body;
        try {
            body = client().get(jobPath(jobId) + "/timeline");
        } catch (ApiException e) {
            throw e.status() == 404 ? notFound(jobId, e) : e;
        }
        if (output.format != OutputFormat.table) {
            print(body, output.format);
            return ExitCodes.OK;
        }
        List<JsonNode> items = new ArrayList<>();
        body.path("items").forEach(items::add);
        out().print(render(items));
        out().flush();
        return ExitCodes.OK;
    }

    /** AT, +ELAPSED (since the first entry), ATTEMPT, TRANSITION, REASON, MESSAGE. */
    public static String render(List<JsonNode> items) {
        Table t = new Table("AT", "ELAPSED", "ATTEMPT", "TRANSITION", "REASON", "MESSAGE").alignRight(1).alignRight(2);
        Instant first = null;
        for (JsonNode e : items) {
            Instant at = Format.instant(e.get("at"));
            if (first == null) {
                first = at;
            }
            String from = text(e.get("from"));
            String to = text(e.get("to"));
            t.row(at == null ? text(e.get("at")) : at.toString(),
                    at == null || first == null ? "-" : "+" + Format.duration(Duration.between(first, at)),
                    text(e.get("attempt")),
                    (from == null ? "" : from + " → ") + Format.orDash(to),
                    text(e.get("reason")), text(e.get("message")));
        }
        return t.size() == 0 ? "No transitions recorded.\n" : t.render();
    }
}
