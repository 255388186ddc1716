package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.render.JobRender;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import java.time.Instant;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "get", aliases = "describe", description = "Show one job: state, progress, last metrics, result.")
public final class GetCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        JsonNode job = getJob(resolveJobId(id));
        if (output.format == OutputFormat.table) {
            out().print(JobRender.details(job, Instant.now()));
            out().flush();
        } else {
            print(job, output.format);
        }
        return ExitCodes.OK;
    }
}
