package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.ApiException;
import dev.athanor.cli.render.Format;
import dev.athanor.cli.render.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "metrics", description = {"A job's metrics: a summary of every series, or every point of one (--name).",
        "Trends are drawn as unicode sparklines."})
public final class MetricsCommand extends BaseCommand {
    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Option(names = "--name", paramLabel = "NAME", description = "One metric, e.g. loss, lr, eval_loss, images_per_second.")
    String name;

    @Option(names = "--tail", paramLabel = "N", description = "Only the last N points of --name.")
    Integer tail;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() {
        String jobId = resolveJobId(id);
        try {
            if (name != null) {
                JsonNode series = client().get(jobPath(jobId) + "/metrics", Map.of("name", name));
                if (output.format != OutputFormat.table) {
                    print(series, output.format);
                } else {
                    List<JsonNode> points = new ArrayList<>();
                    series.path("points").forEach(points::add);
                    if (tail != null && tail >= 0 && points.size() > tail) {
                        points = points.subList(points.size() - tail, points.size());
                    }
                    out().print(series(name, points));
                }
            } else {
                JsonNode names = client().get(jobPath(jobId) + "/metrics");
                ObjectNode all = JsonNodeFactory.instance.objectNode();
                for (JsonNode n : names.path("names")) {
                    all.set(n.asText(), client().get(jobPath(jobId) + "/metrics", Map.of("name", n.asText())).path("points"));
                }
                if (output.format != OutputFormat.table) {
                    print(all, output.format);
                } else {
                    out().print(summary(all));
                }
            }
        } catch (ApiException e) {
            if (e.status() == 404) {
                throw name != null && e.problem().detail() != null && e.problem().detail().contains(name)
                        ? new CliException(ExitCodes.NOT_FOUND, "error: job " + jobId + " has no metric '" + name + "'")
                        : notFound(jobId, e);
            }
            throw e;
        }
        out().flush();
        return ExitCodes.OK;
    }

    /** STEP VALUE ATTEMPT AT, then the sparkline with min, max and last. */
    public static String series(String name, List<JsonNode> points) {
        if (points.isEmpty()) {
            return "No points recorded for '" + name + "'.\n";
        }
        Table t = new Table("STEP", "VALUE", "ATTEMPT", "AT").alignRight(0).alignRight(1).alignRight(2);
        double[] values = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            JsonNode p = points.get(i);
            values[i] = p.path("value").asDouble();
            Instant at = Format.instant(p.get("at"));
            t.row(text(p.get("step")), Format.number(values[i]), text(p.get("attempt")), at == null ? text(p.get("at")) : at.toString());
        }
        return t.render() + "\n" + name + "  " + Format.sparkline(values, 60) + "  " + stats(values) + "\n";
    }

    /** NAME POINTS LAST MIN MAX TREND. */
    public static String summary(JsonNode all) {
        if (all.isEmpty()) {
            return "No metrics recorded.\n";
        }
        Table t = new Table("NAME", "POINTS", "LAST", "MIN", "MAX", "TREND").alignRight(1).alignRight(2).alignRight(3).alignRight(4);
        all.fields().forEachRemaining(e -> {
            JsonNode pts = e.getValue();
            double[] v = new double[pts.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = pts.get(i).path("value").asDouble();
            }
            if (v.length == 0) {
                t.row(e.getKey(), "0", "-", "-", "-", "");
            } else {
                t.row(e.getKey(), String.valueOf(v.length), Format.number(v[v.length - 1]), Format.number(min(v)),
                        Format.number(max(v)), Format.sparkline(v, 40));
            }
        });
        return t.render();
    }

    private static String stats(double[] v) {
        return "min " + Format.number(min(v)) + "  max " + Format.number(max(v)) + "  last " + Format.number(v[v.length - 1]);
    }

    private static double min(double[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (double x : v) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static double max(double[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            m = Math.max(m, x);
        }
        return m;
    }
}
