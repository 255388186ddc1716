package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiClient;
import dev.athanor.cli.render.Table;
import dev.athanor.common.json.Json;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "member",
        description = "Team members and roles (VIEWER, MEMBER, TEAM_ADMIN); team admins and cluster admins.",
        subcommands = {MemberCommand.Set.class, MemberCommand.Remove.class, MemberCommand.ListMembers.class})
public final class MemberCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static String path(String team) {
        return ApiClient.API + "/teams/" + ApiClient.enc(team) + "/members";
    }

    @Command(mixinStandardHelpOptions = true, name = "set", description = "Give SUBJECT ROLE in TEAM (adds or changes).")
    static final class Set extends BaseCommand {
        @Parameters(index = "0", paramLabel = "TEAM")
        String team;
        @Parameters(index = "1", paramLabel = "SUBJECT")
        String subject;
        @Parameters(index = "2", paramLabel = "ROLE", description = "VIEWER, MEMBER or TEAM_ADMIN.")
        String role;

        @Override
        public Integer call() {
            ObjectNode body = Json.lenient().createObjectNode().put("role", role);
            JsonNode m = client().put(path(team) + "/" + ApiClient.enc(subject), body).body();
            out().println(text(m.get("subject")) + " is " + text(m.get("role")) + " in team " + text(m.get("team")));
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "remove", description = "Remove SUBJECT from TEAM.")
    static final class Remove extends BaseCommand {
        @Parameters(index = "0", paramLabel = "TEAM")
        String team;
        @Parameters(index = "1", paramLabel = "SUBJECT")
        String subject;

        @Override
        public Integer call() {
            client().delete(path(team) + "/" + ApiClient.enc(subject));
            out().println(subject + " removed from team " + team);
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "Members of TEAM.")
    static final class ListMembers extends BaseCommand {
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
            Table t = new Table("SUBJECT", "ROLE", "SINCE");
            for (JsonNode i : page.path("items")) {
                t.row(text(i.get("subject")), text(i.get("role")), text(i.get("createdAt")));
            }
            out().print(t.render());
            out().flush();
            return ExitCodes.OK;
        }
    }
}
