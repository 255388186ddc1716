package dev.athanor.cli.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.athanor.cli.AthanorCli;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.GlobalOptions;
import dev.athanor.cli.http.ApiClient;
import dev.athanor.cli.http.ApiException;
import dev.athanor.common.json.Json;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/** What every subcommand shares: global options, the API client, output and job id resolution. */
public abstract class BaseCommand implements Callable<Integer> {
    private static final Pattern ID_PREFIX = Pattern.compile("[0-9a-fA-F-]{4,36}");
    private static final ObjectMapper YAML = Json.configure(new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .build()));

    @Mixin
    protected GlobalOptions options;

    /** The top-level command (also for nested subcommands such as {@code token create}). */
    protected AthanorCli root() {
        return (AthanorCli) spec.root().userObject();
    }

    @Spec
    protected CommandSpec spec;

    private ApiClient client;

    protected ApiClient client() {
        if (client == null) {
            client = new ApiClient(root().server(options), root().token(options), AthanorCli.version());
        }
        return client;
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    protected static String jobPath(String id) {
        return ApiClient.API + "/jobs/" + ApiClient.enc(id);
    }

    /** Prints {@code data} as pretty JSON or YAML. */
    protected void print(JsonNode data, OutputFormat format) {
        try {
            String s = format == OutputFormat.yaml
                    ? YAML.writeValueAsString(data)
                    : Json.lenient().writerWithDefaultPrettyPrinter().writeValueAsString(data) + "\n";
            out().print(s);
            out().flush();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A full job id as given, or the one job whose id starts with {@code idOrPrefix} (looked up through the list
     * endpoint, newest first, up to 10,000 jobs).
     */
    protected String resolveJobId(String idOrPrefix) {
        String s = idOrPrefix.trim().toLowerCase(Locale.ROOT);
        if (s.length() == 36) {
            try {
                return UUID.fromString(s).toString();
            } catch (IllegalArgumentException ignored) {
                // not a UUID after all: fall through
            }
        }
        if (!ID_PREFIX.matcher(s).matches()) {
            throw new CliException(ExitCodes.INVALID, "error: '" + idOrPrefix
                    + "' is not a job id (a UUID, or a unique prefix of at least 4 hex digits)");
        }
        List<String> matches = new ArrayList<>();
        String cursor = null;
        for (int page = 0; page < 20; page++) {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("limit", 500);
            q.put("cursor", cursor);
            JsonNode body = client().get(ApiClient.API + "/jobs", q);
            for (JsonNode j : body.path("items")) {
                String id = j.path("id").asText();
                if (id.startsWith(s)) {
                    matches.add(id);
                }
            }
            cursor = body.hasNonNull("nextCursor") ? body.get("nextCursor").asText() : null;
            if (cursor == null || matches.size() > 1) {
                break;
            }
        }
        if (matches.isEmpty()) {
            throw new CliException(ExitCodes.NOT_FOUND, "error: no job with an id starting with '" + idOrPrefix + "'");
        }
        if (matches.size() > 1) {
            List<String> lines = new ArrayList<>();
            lines.add("error: '" + idOrPrefix + "' matches several jobs; give more of the id:");
            matches.stream().limit(5).forEach(m -> lines.add("  " + m));
            throw new CliException(ExitCodes.INVALID, lines);
        }
        return matches.get(0);
    }

    /** GET a job, turning a 404 into a clear message. */
    protected JsonNode getJob(String id) {
        try {
            return client().get(jobPath(id));
        } catch (ApiException e) {
            if (e.status() == 404) {
                throw notFound(id, e);
            }
            throw e;
        }
    }

    protected static CliException notFound(String id, ApiException e) {
        List<String> lines = new ArrayList<>();
        lines.add("error: job " + id + " not found");
        if (e.problem().detail() != null && !e.problem().detail().contains(id)) {
            lines.add("  " + e.problem().detail());
        }
        return new CliException(ExitCodes.NOT_FOUND, lines);
    }
}
