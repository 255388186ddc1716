package dev.athanor.cli.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import static dev.athanor.cli.render.Format.text;

/**
 * The live view of {@code watch}. On a terminal one status line (state, progress bar, percent, ETA, phase, last
 * metrics) is redrawn in place with {@code \r}; state changes, artifacts and the result are printed above it. Not on
 * a terminal, everything is printed as plain lines, progress only when the whole percent or the phase changes.
 */
public final class WatchView {
    private static final String CLEAR_LINE = "\r\u001b[K";

    private final PrintWriter out;
    private final boolean tty;
    private final int columns;
    private String state;
    private JsonNode progress;
    private final ObjectNode metrics = JsonNodeFactory.instance.objectNode();
    private boolean statusShown;
    private String lastPlainProgress;

    public WatchView(PrintWriter out, boolean tty, int columns) {
        this.out = out;
        this.tty = tty;
        this.columns = Math.max(40, columns);
    }

    public String state() {
        return state;
    }

    /** The first snapshot of the job. */
    public void start(JsonNode job) {
        println("job " + text(job.get("id")) + " " + Objects.toString(text(job.get("name")), "")
                + " (" + text(job.get("kind")) + ", team " + text(job.get("team")) + ")");
        state = text(job.get("state"));
        println("  " + state + reasonOf(job));
        JsonNode p = job.get("progress");
        if (p != null && p.isObject()) {
            progress = p;
        }
        JsonNode m = job.get("lastMetrics");
        if (m != null && m.isObject()) {
            metrics.setAll((ObjectNode) m);
        }
        refresh();
    }

    private static String reasonOf(JsonNode n) {
        String reason = text(n.get("reason"));
        String message = text(n.get("message"));
        if (reason == null && message == null) {
            return "";
        }
        return ": " + (reason == null ? message : message == null ? reason : reason + " — " + message);
    }

    /** A {@code state} event: {@code {"to"|"state", "from", "reason", "message", "attempt"}}. */
    public void onState(JsonNode d) {
        String to = text(d.hasNonNull("to") ? d.get("to") : d.get("state"));
        if (to == null || to.equals(state) && !d.hasNonNull("reason")) {
            return;
        }
        String from = text(d.get("from"));
        if (from == null) {
            from = state;
        }
        String attempt = d.hasNonNull("attempt") ? " (attempt " + d.get("attempt").asText() + ")" : "";
        state = to;
        println("  " + (from != null && !from.equals(to) ? from + " → " : "") + to + attempt + reasonOf(d));
        refresh();
    }

    /** A {@code progress} event: {@code {"step", "total", "fraction", "etaSeconds", "phase"}} (maybe under "progress"). */
    public void onProgress(JsonNode d) {
        JsonNode p = d.has("progress") && d.get("progress").isObject() ? d.get("progress") : d;
        progress = p;
        refresh();
    }

    /** A {@code metrics} event: {@code {"step", "values": {...}}}, {@code {"name", "value"}} or a flat object of numbers. */
    public void onMetrics(JsonNode d) {
        if (d.has("values") && d.get("values").isObject()) {
            metrics.setAll((ObjectNode) d.get("values"));
        } else if (d.has("metrics") && d.get("metrics").isObject()) {
            metrics.setAll((ObjectNode) d.get("metrics"));
        } else if (d.hasNonNull("name") && d.has("value")) {
            metrics.set(d.get("name").asText(), d.get("value"));
        } else {
            for (Map.Entry<String, JsonNode> e : JobRender.fieldsExcept(d, "step", "attempt", "worker", "at", "ts", "jobId", "seq").entrySet()) {
                if (e.getValue().isNumber()) {
                    metrics.set(e.getKey(), e.getValue());
                }
            }
        }
        if (tty) {
            refresh();
        }
    }

    public void onArtifact(JsonNode d) {
        String size = d.has("sizeBytes") ? " (" + bytes(d.get("sizeBytes").asLong()) + ")" : "";
        println("  artifact " + Objects.toString(text(d.get("name")), "?") + size + (d.hasNonNull("uri") ? ": " + text(d.get("uri")) : ""));
        refresh();
    }

    /** A plain message above the status line. */
    public void note(String line) {
        println("  " + line);
        refresh();
    }

    /** The final job: its state, how long it ran and its result. */
    public void finish(JsonNode job) {
        String finalState = text(job.get("state"));
        if (finalState != null && !finalState.equals(state)) {
            onState(job);
        }
        JsonNode p = job.get("progress");
        if (p != null && p.isObject()) {
            progress = p;
        }
        clearStatus();
        if (progress != null) {
            out.println("  " + JobRender.progressLine(progress, 30) + metricsSuffix());
        }
        Instant s = Format.instant(job.get("startedAt"));
        Instant f = Format.instant(job.get("finishedAt"));
        String took = s != null && f != null ? " after " + Format.duration(Duration.between(s, f)) : "";
        JsonNode r = job.get("result");
        out.println(state + took + (r != null && r.isObject() ? ": " + JobRender.result(r) : reasonOf(job)));
        out.flush();
    }

    private String metricsSuffix() {
        String m = Format.metrics(metrics);
        return m.isEmpty() ? "" : "  " + m;
    }

    String statusLine() {
        String base = Objects.toString(state, "?");
        if (progress != null) {
            base += "  " + JobRender.progressLine(progress, 24);
        }
        return base + metricsSuffix();
    }

    private void refresh() {
        if (tty) {
            String line = statusLine();
            if (line.length() > columns - 1) {
                line = line.substring(0, columns - 2) + "…";
            }
            out.print(CLEAR_LINE + line);
            statusShown = true;
            out.flush();
        } else if (progress != null) {
            String plain = Format.percent(JobRender.fraction(progress)) + "|" + text(progress.get("phase"));
            if (!plain.equals(lastPlainProgress)) {
                lastPlainProgress = plain;
                out.println("  " + JobRender.progressLine(progress, 20) + metricsSuffix());
                out.flush();
            }
        }
    }

    private void clearStatus() {
        if (tty && statusShown) {
            out.print(CLEAR_LINE);
            statusShown = false;
        }
    }

    private void println(String line) {
        clearStatus();
        out.println(line);
        out.flush();
    }

    static String bytes(long b) {
        if (b < 1024) {
            return b + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return Format.number(Math.round(v * 10) / 10.0) + " " + units[u];
    }
}
