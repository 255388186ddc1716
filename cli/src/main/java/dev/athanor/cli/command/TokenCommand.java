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
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "token",
        description = "API tokens: create (the secret is shown once), list, revoke.",
        subcommands = {TokenCommand.Create.class, TokenCommand.ListTokens.class, TokenCommand.Revoke.class})
public final class TokenCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    @Command(mixinStandardHelpOptions = true, name = "create",
            description = {"Create a token. Prints only the secret on stdout (TOKEN=$(athanor token create ci)); "
                    + "the details go to stderr. The secret is shown once: store it now."})
    static final class Create extends BaseCommand {
        @Parameters(index = "0", paramLabel = "NAME", description = "What the token is for, e.g. laptop or ci.")
        String name;

        @Option(names = "--subject", description = "For another subject (team admins: members of their teams only).")
        String subject;

        @Option(names = "--expires-in-days", paramLabel = "DAYS", description = "1 to 365 (default 90).")
        Integer days;

        @Option(names = "--cluster-admin", description = "A cluster-admin token (cluster admins only).")
        boolean clusterAdmin;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            ObjectNode body = Json.lenient().createObjectNode();
            body.put("name", name);
            if (subject != null) {
                body.put("subject", subject);
            }
            if (days != null) {
                body.put("expiresInDays", days);
            }
            if (clusterAdmin) {
                body.put("clusterAdmin", true);
            }
            JsonNode t = client().post(ApiClient.API + "/tokens", body).body();
            if (output.format != OutputFormat.table) {
                print(t, output.format);
                return ExitCodes.OK;
            }
            out().println(text(t.get("token")));
            out().flush();
            err().println("created token " + text(t.get("id")) + " '" + text(t.get("name")) + "' for "
                    + text(t.get("subject")) + (t.path("clusterAdmin").asBoolean() ? " (cluster admin)" : "")
                    + ", expires " + text(t.get("expiresAt")));
            err().println("store it now: it is shown only once (use it with ATHANOR_TOKEN=...)");
            err().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "list", description = "List tokens (metadata only, never secrets).")
    static final class ListTokens extends BaseCommand {
        @Option(names = "--subject", description = "Another subject's tokens (admins).")
        String subject;

        @Option(names = "--all", description = "Every token (cluster admins).")
        boolean all;

        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            Map<String, Object> q = new LinkedHashMap<>();
            q.put("subject", subject);
            q.put("all", all ? "true" : null);
            JsonNode page = client().get(ApiClient.API + "/tokens", q);
            if (output.format != OutputFormat.table) {
                print(page, output.format);
                return ExitCodes.OK;
            }
            Table t = new Table("ID", "NAME", "SUBJECT", "PREFIX", "STATE", "EXPIRES", "LAST USED");
            for (JsonNode i : page.path("items")) {
                t.row(text(i.get("id")), text(i.get("name")), text(i.get("subject")), text(i.get("prefix")),
                        text(i.get("state")) + (i.path("clusterAdmin").asBoolean() ? " (admin)" : ""),
                        i.hasNonNull("expiresAt") ? text(i.get("expiresAt")) : "never", text(i.get("lastUsedAt")));
            }
            out().print(t.render());
            out().flush();
            return ExitCodes.OK;
        }
    }

    @Command(mixinStandardHelpOptions = true, name = "revoke",
            description = "Revoke a token by id (yours, or one you administer). Takes effect within 10 s everywhere.")
    static final class Revoke extends BaseCommand {
        @Parameters(index = "0", paramLabel = "ID", description = "Token id (from 'athanor token list').")
        String id;

        @Override
        public Integer call() {
            JsonNode t = client().delete(ApiClient.API + "/tokens/" + ApiClient.enc(id)).body();
            out().println("token " + text(t.get("id")) + " '" + text(t.get("name")) + "' of " + text(t.get("subject"))
                    + " revoked");
            out().flush();
            return ExitCodes.OK;
        }
    }
}
