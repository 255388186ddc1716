package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "logs", description = {"Print a job's persisted logs (they outlive the worker).",
        "With -f, keep following new lines until the job has finished."})
public final class LogsCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Option(names = {"-f", "--follow"}, description = "Follow new lines until the job reaches a terminal state.")
    boolean follow;

    @Option(names = "--attempt", paramLabel = "N", description = "Only lines of attempt N.")
    Integer attempt;

    @Option(names = {"-p", "--prefix"}, description = "Prefix each line with its attempt, worker and stream.")
    boolean prefix;

    @Option(names = {"-t", "--timestamps"}, description = "Prefix each line with its time.")
    boolean timestamps;

    @Option(names = "--interval", paramLabel = "MILLIS", defaultValue = "1000", hidden = true,
            description = "Polling interval with -f, in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    private String after;

    @Override
    public Integer call() {
        String jobId = resolveJobId(id);
        if (follow) {
            getJob(jobId);
        }
        drain(jobId);
        while (follow) {
            String state = text(getJob(jobId).get("state"));
            if (WatchCommand.TERMINAL.contains(state)) {
                drain(jobId);
                break;
            }
            sleep();
            drain(jobId);
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** Prints every line after the cursor, page by page. */
    private void drain(String jobId) {
        for (int guard = 0; guard < 100_000; guard++) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("after", after);
            q.put("limit", 1000);
            q.put("attempt", attempt);
            JsonNode page;
            try {
                page = client().get(jobPath(jobId) + "/logs", q);
            } catch (ApiException e) {
                throw e.status() == 404 ? notFound(jobId, e) : e;
            }
            JsonNode items = page.path("items");
            String lastId = null;
            for (JsonNode item : items) {
                lastId = text(item.get("id"));
                if (attempt != null && item.hasNonNull("attempt") && item.get("attempt").asInt() != attempt) {
                    continue;
                }
                out().println(format(item));
            }
            out().flush();
            String next = text(page.get("nextCursor"));
            String previous = after;
            if (next != null && !next.isEmpty()) {
                after = next;
            } else if (lastId != null) {
                after = lastId;
            }
            if (items.isEmpty() || next == null || next.isEmpty() || next.equals(previous)) {
                return;
            }
        }
        throw new CliException(ExitCodes.FAILED, "error: the log cursor of job " + jobId + " does not advance");
    }

    String format(JsonNode item) {
        StringBuilder sb = new StringBuilder();
        if (timestamps && item.hasNonNull("at")) {
            sb.append(item.get("at").asText()).append(' ');
        }
        if (prefix) {
            sb.append("[a").append(item.path("attempt").asText("?")).append(" w").append(item.path("worker").asText("?"));
            if (item.hasNonNull("stream")) {
                sb.append(' ').append(item.get("stream").asText());
            }
            sb.append("] ");
        }
        return sb.append(item.path("line").asText("")).toString();
    }

    private void sleep() {
        try {
            Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }
}
