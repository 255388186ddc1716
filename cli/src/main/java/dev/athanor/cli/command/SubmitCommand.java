package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.CliException;
import dev.athanor.cli.http.ApiClient;
import dev.athanor.cli.http.ApiException;
import dev.athanor.cli.submit.SubmissionReader;
import dev.athanor.common.job.JobSubmission;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "submit", description = {
        "Validate job submissions from a YAML or JSON file and submit them.",
        "A YAML file may hold several jobs separated by '---'. Nothing is submitted unless every job is valid."})
public final class SubmitCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "Job file: .yaml, .yml or .json.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a field in every job, e.g. --set spec.strength=0.6 --set resources.gpusPerWorker=2 --set labels.run=7.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--dry-run", description = "Only validate the file; submit nothing.")
    boolean dryRun;

    @Option(names = {"-q", "--quiet"}, description = "Print only the job ids.")
    boolean quiet;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        List<SubmissionReader.Checked> jobs = SubmissionReader.load(file, sets);
        if (dryRun) {
            for (SubmissionReader.Checked c : jobs) {
                JobSubmission s = c.valid().submission();
                out().println(c.document().where("") + ": valid: " + s.name() + " (" + s.kind() + ", team " + s.team() + ")");
            }
            out().println(jobs.size() == 1 ? "1 job is valid; nothing was submitted (--dry-run)"
                    : jobs.size() + " jobs are valid; nothing was submitted (--dry-run)");
            return ExitCodes.OK;
        }
        ArrayNode submitted = JsonNodeFactory.instance.arrayNode();
        int done = 0;
        for (SubmissionReader.Checked c : jobs) {
            ApiClient.Response r;
            try {
                r = client().post(ApiClient.API + "/jobs", c.document().tree());
            } catch (ApiException e) {
                List<String> lines = new ArrayList<>();
                lines.add("error: " + c.document().where("") + ": the server rejected job '" + c.valid().submission().name() + "'");
                lines.addAll(e.lines());
                if (done > 0) {
                    lines.add(done + " of " + jobs.size() + " jobs were submitted before this one; the rest were not");
                }
                throw new CliException(e.exitCode(), lines);
            }
            done++;
            JsonNode job = r.body();
            submitted.add(job);
            boolean created = r.status() == 201;
            if (quiet) {
                out().println(text(job.get("id")));
            } else if (output.format == OutputFormat.table) {
                out().println(describe(job, created, c.valid().submission()));
            } else if (!created) {
                err().println("note: job " + text(job.get("id")) + " already existed for idempotency key '"
                        + c.valid().submission().idempotencyKey() + "'; nothing new was submitted");
            }
        }
        if (!quiet && output.format != OutputFormat.table) {
            print(submitted.size() == 1 ? submitted.get(0) : submitted, output.format);
        }
        out().flush();
        return ExitCodes.OK;
    }

    static String describe(JsonNode job, boolean created, JobSubmission s) {
        String id = text(job.get("id"));
        String what = text(job.get("name")) + " (" + text(job.get("kind")) + ", team " + text(job.get("team")) + ")";
        if (created) {
            return "created job " + id + " " + what + ": " + text(job.get("state"));
        }
        return "job " + id + " " + what + " already exists for idempotency key '" + s.idempotencyKey()
                + "' (200, not submitted again): " + text(job.get("state"));
    }
}
