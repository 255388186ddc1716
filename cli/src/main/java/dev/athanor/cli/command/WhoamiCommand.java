package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.ArrayList;
import java.util.List;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "whoami",
        description = "Show who your token is: subject, cluster-admin flag, role per team, the token's expiry.")
public final class WhoamiCommand extends BaseCommand {
    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        JsonNode me = client().get(ApiClient.API + "/whoami");
        if (output.format != OutputFormat.table) {
            print(me, output.format);
            return ExitCodes.OK;
        }
        out().println("subject  " + text(me.get("subject")) + (me.path("clusterAdmin").asBoolean() ? "  (cluster admin)" : ""));
        List<String> teams = new ArrayList<>();
        me.path("teams").fields().forEachRemaining(e -> teams.add(e.getKey() + " " + e.getValue().asText()));
        out().println("teams    " + (teams.isEmpty() ? "-" : String.join(", ", teams)));
        JsonNode t = me.path("token");
        if (!t.isMissingNode() && !t.isNull()) {
            out().println("token    " + text(t.get("prefix")) + "…  " + text(t.get("name")) + "  expires "
                    + (t.hasNonNull("expiresAt") ? text(t.get("expiresAt")) : "never"));
        }
        out().flush();
        return ExitCodes.OK;
    }
}
