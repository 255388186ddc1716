package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiClient;
import dev.athanor.cli.render.Table;
import dev.athanor.common.json.Json;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "secret",
        description = "A team's secrets (values are write-only); team admins and cluster admins.",
        subcommands = {SecretCommand.Set.class, SecretCommand.Remove.class, SecretCommand.ListSecrets.class})
public final class SecretCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static String path(String team) {
        return ApiClient.API + "/teams/" + ApiClient.enc(team) + "/secrets";
    }

    /** Where the value comes from: never the command line (other users see arguments in ps). */
    static final class Source {
        @Option(names = "--from-file", paramLabel = "PATH", description = "Read the value from PATH (as is).")
        Path file;
        @Option(names = "--from-env", paramLabel = "VAR", description = "Read the value from environment variable VAR.")
        String env;
    }

    @Command(mixinStandardHelpOptions = true, name = "set", description = "Create or replace TEAM's secret NAME.")
    static final class Set extends BaseCommand {
        @Parameters(index = "0", paramLabel = "TEAM")
        String team;
        @Parameters(index = "1", paramLabel = "NAME", description = "A DNS label, e.g. vlm-key.")
        String name;
        @ArgGroup(multiplicity = "1")
        Source source;

        @Override
        public Integer call() {
            String value;
            if (source.file != null) {
                try {
                    value = Files.readString(source.file, StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.INVALID, "cannot read " + source.file + ": " + e.getMessage());
                }
            } else {
                value = root().env().get(source.env);
                if (value == null || value.isEmpty()) {
                    throw new CliException(ExitCodes.INVALID, "environment variable " + source.env + " is not set");
                }
            }
            ObjectNode body = Json.lenient().createObjectNode().put("value", value);
            JsonNode s = client().put(path(team) + "/" + ApiClient.enc(name), body).body();
            out().println("secret " + text(s.get("name")) + " of team " + team + " stored (updated "
                    + text(s.get("updatedAt")) + ")");
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Delete TEAM's secret NAME.")
    static final class Remove extends BaseCommand {
        @Parameters(index = "0", paramLabel = "TEAM")
        String team;
        @Parameters(index = "1", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            client().delete(path(team) + "/" + ApiClient.enc(name));
            out().println("secret " + name + " of team " + team + " deleted");
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "TEAM's secrets: names and times, never values.")
    static final class ListSecrets extends BaseCommand {
        @Parameters(index = "0", paramLabel = "TEAM")
        String team;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            JsonNode page = client().get(path(team));
            if (output.format != OutputFormat.table) {
                print(page, output.format);
                return ExitCodes.OK;
            }
            Table t = new Table("NAME", "CREATED", "UPDATED");
            for (JsonNode i : page.path("items")) {
                t.row(text(i.get("name")), text(i.get("createdAt")), text(i.get("updatedAt")));
            }
            out().print(t.render());
            out().flush();
            return ExitCodes.OK;
        }
    }
}
