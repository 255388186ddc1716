package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "cancel", description = "Cancel a job: a pending job at once, a running one when its workers have stopped.")
public final class CancelCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        String jobId = resolveJobId(id);
        JsonNode job;
        try {
            job = client().post(jobPath(jobId) + "/cancel", null).body();
        } catch (ApiException e) {
            if (e.status() == 404) {
                throw notFound(jobId, e);
            }
            if (e.status() == 409) {
                List<String> lines = new ArrayList<>();
                lines.add("error: job " + jobId + " has already finished; there is nothing to cancel");
                String detail = e.problem().detail() != null ? e.problem().detail() : e.problem().title();
                if (detail != null) {
                    lines.add("  " + detail);
                }
                throw new CliException(ExitCodes.FAILED, lines);
            }
            throw e;
        }
        if (output.format != OutputFormat.table) {
            print(job, output.format);
            return ExitCodes.OK;
        }
        String state = job == null ? null : text(job.get("state"));
        if ("CANCELLED".equals(state)) {
            out().println("job " + jobId + " cancelled");
        } else {
            out().println("job " + jobId + ": cancel requested, now " + (state == null ? "stopping" : state)
                    + "; it becomes CANCELLED when its workers have stopped (follow with: athanor watch " + jobId + ")");
        }
        out().flush();
        return ExitCodes.OK;
    }
}
