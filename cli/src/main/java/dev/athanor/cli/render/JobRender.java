package dev.athanor.cli.render;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static dev.athanor.cli.render.Format.orDash;
import static dev.athanor.cli.render.Format.text;

/** Renders job resources (docs/api.md) as tables and detail views. */
public final class JobRender {
    private JobRender() {
    }

    /** ID NAME TEAM KIND STATE PROGRESS AGE. */
    public static String table(List<JsonNode> jobs, Instant now) {
        Table t = new Table("ID", "NAME", "TEAM", "KIND", "STATE", "PROGRESS", "AGE").alignRight(5).alignRight(6);
        for (JsonNode j : jobs) {
            t.row(Format.shortId(text(j.get("id"))), text(j.get("name")), text(j.get("team")), text(j.get("kind")),
                    text(j.get("state")), progressCell(j), Format.age(Format.instant(j.get("createdAt")), now));
        }
        return t.render();
    }

    static String progressCell(JsonNode job) {
        JsonNode p = job.get("progress");
        if (p != null && p.isObject()) {
            return Format.percent(fraction(p));
        }
        return "SUCCEEDED".equals(text(job.get("state"))) ? "100%" : "-";
    }

    /** The fraction of a progress object: {@code fraction}, else step/total, else 0. */
    public static double fraction(JsonNode p) {
        if (p.hasNonNull("fraction")) {
            return p.get("fraction").asDouble();
        }
        long total = p.path("total").asLong(0);
        return total <= 0 ? 0 : Math.min(1.0, p.path("step").asDouble() / total);
    }

    /** One line: bar, percent, step/total, ETA and phase. */
    public static String progressLine(JsonNode p, int barWidth) {
        double f = fraction(p);
        StringBuilder sb = new StringBuilder(Format.bar(f, barWidth)).append(' ').append(String.format("%4s", Format.percent(f)));
        long total = p.path("total").asLong(0);
        if (p.has("step")) {
            sb.append("  ").append(p.get("step").asLong()).append(total > 0 ? "/" + total : "");
        }
        if (p.hasNonNull("etaSeconds") && p.get("etaSeconds").asDouble() >= 0 && f < 1.0) {
            sb.append("  ETA ").append(Format.seconds(p.get("etaSeconds").asDouble()));
        }
        String phase = text(p.get("phase"));
        if (phase != null && !phase.isBlank()) {
            sb.append("  ").append(phase);
        }
        return sb.toString();
    }

    /** The detail view of {@code get}. */
    public static String details(JsonNode j, Instant now) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"ID", text(j.get("id"))});
        rows.add(new String[]{"Name", text(j.get("name"))});
        rows.add(new String[]{"Team", text(j.get("team"))});
        rows.add(new String[]{"Kind", text(j.get("kind"))});
        String state = orDash(text(j.get("state")));
        String reason = text(j.get("reason"));
        String message = text(j.get("message"));
        rows.add(new String[]{"State", state + (reason != null ? " (" + reason + (message != null ? ": " + message : "") + ")"
                : message != null ? " (" + message + ")" : "")});
        rows.add(new String[]{"Priority", text(j.get("priority"))});
        if (j.has("attempt")) {
            rows.add(new String[]{"Attempt", j.path("attempt").asText() + (j.has("maxAttempts") ? " of " + j.path("maxAttempts").asText() : "")});
        }
        rows.add(new String[]{"Resources", resources(j.get("resources"))});
        if (j.hasNonNull("idempotencyKey")) {
            rows.add(new String[]{"Idem. key", text(j.get("idempotencyKey"))});
        }
        String labels = Format.metrics(j.get("labels"));
        if (!labels.isEmpty()) {
            rows.add(new String[]{"Labels", labels});
        }
        rows.add(new String[]{"Created", when(j.get("createdAt"), now)});
        if (j.hasNonNull("startedAt")) {
            rows.add(new String[]{"Started", when(j.get("startedAt"), now)});
        }
        if (j.hasNonNull("finishedAt")) {
            rows.add(new String[]{"Finished", when(j.get("finishedAt"), now)});
            Instant s = Format.instant(j.get("startedAt"));
            Instant f = Format.instant(j.get("finishedAt"));
            if (s != null && f != null) {
                rows.add(new String[]{"Ran for", Format.duration(Duration.between(s, f))});
            }
        }
        JsonNode p = j.get("progress");
        if (p != null && p.isObject()) {
            rows.add(new String[]{"Progress", progressLine(p, 30)});
        }
        String metrics = Format.metrics(j.get("lastMetrics"));
        if (!metrics.isEmpty()) {
            rows.add(new String[]{"Metrics", metrics});
        }
        JsonNode r = j.get("result");
        if (r != null && r.isObject()) {
            rows.add(new String[]{"Result", result(r)});
        }
        StringBuilder sb = new StringBuilder();
        for (String[] row : rows) {
            sb.append(String.format("%-10s %s%n", row[0], orDash(row[1])));
        }
        return sb.toString().replace("\r\n", "\n");
    }

    public static String result(JsonNode r) {
        StringBuilder sb = new StringBuilder(orDash(text(r.get("status"))));
        String msg = text(r.get("message"));
        if (msg != null && !msg.isBlank()) {
            sb.append(": ").append(msg);
        }
        String summary = Format.metrics(r.get("summary"));
        if (!summary.isEmpty()) {
            sb.append(" [").append(summary).append(']');
        }
        return sb.toString();
    }

    static String resources(JsonNode r) {
        if (r == null || !r.isObject()) {
            return "-";
        }
        int workers = r.path("workers").asInt(1);
        int gpus = r.path("gpusPerWorker").asInt(0);
        StringBuilder sb = new StringBuilder();
        sb.append(workers).append(workers == 1 ? " worker" : " workers").append(" × ");
        sb.append(gpus == 0 ? "no GPU" : gpus + (gpus == 1 ? " GPU" : " GPUs"));
        if (r.hasNonNull("gpuType")) {
            sb.append(" (").append(r.get("gpuType").asText()).append(')');
        }
        if (r.has("cpu")) {
            sb.append(", ").append(Format.number(r.get("cpu").asDouble())).append(" CPU");
        }
        if (r.hasNonNull("memory")) {
            sb.append(", ").append(r.get("memory").asText());
        }
        return sb.toString();
    }

    private static String when(JsonNode n, Instant now) {
        Instant t = Format.instant(n);
        if (t == null) {
            return text(n);
        }
        return t + " (" + Format.duration(Duration.between(t, now)) + " ago)";
    }

    /** Copies the object fields of {@code n} except the named ones. */
    public static Map<String, JsonNode> fieldsExcept(JsonNode n, String... skip) {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        List<String> s = List.of(skip);
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!s.contains(e.getKey())) {
                out.put(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
