package dev.athanor.cli.command;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.cli.http.SseEvent;
import dev.athanor.cli.http.SseParser;
import dev.athanor.cli.http.UnreachableException;
import dev.athanor.cli.render.WatchView;
import dev.athanor.common.json.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static dev.athanor.cli.render.Format.text;

@Command(mixinStandardHelpOptions = true, versionProvider = dev.athanor.cli.AthanorCli.Version.class, name = "watch", description = {"Follow a job live until it finishes: progress bar, ETA, phase, metrics, state changes.",
        "Exits 0 when the job SUCCEEDED, 1 when it FAILED or was CANCELLED."})
public final class WatchCommand extends BaseCommand {
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    @Parameters(index = "0", paramLabel = "ID", description = "Job id (full UUID, or a unique prefix).")
    String id;

    @Option(names = "--poll", description = "Poll the job every --interval instead of using the live event stream.")
    boolean poll;

    @Option(names = "--interval", paramLabel = "MILLIS", defaultValue = "1000", hidden = true,
            description = "Polling interval in milliseconds (default: ${DEFAULT-VALUE}).")
    long intervalMillis;

    @Override
    public Integer call() {
        String jobId = resolveJobId(id);
        JsonNode job = getJob(jobId);
        WatchView view = new WatchView(out(), root().tty(), columns());
        view.start(job);
        if (!TERMINAL.contains(text(job.get("state"))) && !poll) {
            stream(jobId, view);
        }
        job = getJob(jobId);
        JsonNode lastProgress = job.get("progress");
        JsonNode lastMetrics = job.get("lastMetrics");
        while (!TERMINAL.contains(text(job.get("state")))) {
            sleep();
            job = getJob(jobId);
            String state = text(job.get("state"));
            if (!Objects.equals(state, view.state()) && !TERMINAL.contains(state)) {
                view.onState(job);
            }
            JsonNode p = job.get("progress");
            if (p != null && p.isObject() && !p.equals(lastProgress)) {
                view.onProgress(p);
                lastProgress = p;
            }
            JsonNode m = job.get("lastMetrics");
            if (m != null && m.isObject() && !m.equals(lastMetrics)) {
                view.onMetrics(m);
                lastMetrics = m;
            }
        }
        view.finish(job);
        return "SUCCEEDED".equals(text(job.get("state"))) ? ExitCodes.OK : ExitCodes.FAILED;
    }

    /** Follows the SSE stream until it ends or a terminal state arrives; on failure, falls back to polling. */
    private void stream(String jobId, WatchView view) {
        try (Stream<String> lines = client().openEventStream(jobPath(jobId) + "/events")) {
            SseParser parser = new SseParser();
            Iterator<String> it = lines.iterator();
            while (it.hasNext()) {
                SseEvent ev = parser.accept(it.next()).orElse(null);
                if (ev != null && apply(view, ev)) {
                    return;
                }
            }
        } catch (UnreachableException e) {
            throw e;
        } catch (CliException | UncheckedIOException e) {
            view.note("live event stream unavailable (" + firstLine(e) + "); polling every " + intervalMillis + " ms");
        }
    }

    private static String firstLine(Exception e) {
        String m = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause().toString() : e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m.lines().findFirst().orElse(m).replaceFirst("^error: ", "");
    }

    /** Applies one event to the view; true when it says the job reached a terminal state. */
    static boolean apply(WatchView view, SseEvent ev) {
        JsonNode d;
        try {
            d = Json.lenient().readTree(ev.data());
        } catch (IOException e) {
            return false;
        }
        if (d == null || !d.isObject()) {
            return false;
        }
        switch (ev.event()) {
            case "state" -> {
                view.onState(d);
                return TERMINAL.contains(view.state());
            }
            case "progress" -> view.onProgress(d);
            case "metrics" -> view.onMetrics(d);
            case "artifact" -> view.onArtifact(d);
            default -> {
                // log lines and unknown events are not part of this view (see 'athanor logs -f')
            }
        }
        return false;
    }

    private int columns() {
        try {
            return Integer.parseInt(root().env().getOrDefault("COLUMNS", "100").trim());
        } catch (NumberFormatException e) {
            return 100;
        }
    }

    private void sleep() {
        try {
            Thread.sleep(intervalMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        }
    }
}
