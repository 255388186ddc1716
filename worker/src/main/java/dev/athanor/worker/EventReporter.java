package dev.athanor.worker;

import dev.athanor.common.event.Payloads;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.event.EventEmitter;
import dev.athanor.worker.util.Hashing;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Turns engine reports into events: PROGRESS at most every {@value #PROGRESS_INTERVAL_MS} ms (the latest one is kept
 * and always sent eventually), LOG lines batched every {@value #LOG_INTERVAL_MS} ms or {@value #LOG_BATCH} lines, and
 * METRICS and ARTIFACT as they come. Every log line is also printed to stderr so a launcher can keep the last lines.
 */
public final class EventReporter implements Reporter, AutoCloseable {
    static final long PROGRESS_INTERVAL_MS = 100;
    static final long LOG_INTERVAL_MS = 250;
    static final int LOG_BATCH = 200;
    private static final int MAX_LINE = 8_192;
    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
            .withZone(ZoneOffset.UTC);

    private final EventEmitter emitter;
    private final PrintStream stderr;
    private final ScheduledExecutorService ticker;
    private final List<String[]> pendingLines = new ArrayList<>();
    private Payloads.Progress pendingProgress;
    private long lastProgressNanos;
    private long lastLogFlushNanos = System.nanoTime();
    private volatile boolean tickFailed;

    public EventReporter(EventEmitter emitter, PrintStream stderr) {
        this.emitter = emitter;
        this.stderr = stderr;
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "athanor-reporter");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(this::tick, 50, 50, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void progress(long step, long total, double etaSeconds, String phase) {
        Payloads.Progress p = new Payloads.Progress(step, total, etaSeconds, phase);
        long now = System.nanoTime();
        if (now - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(PROGRESS_INTERVAL_MS)) {
            emitter.emit(p);
            lastProgressNanos = now;
            pendingProgress = null;
        } else {
            pendingProgress = p;
        }
    }

    @Override
    public void metrics(long step, Map<String, Double> values) {
        emitter.emit(new Payloads.Metrics(step, values));
    }

    @Override
    public void artifact(Path file, String name, String kind) {
        try {
            emitter.emit(new Payloads.Artifact(name, file.toAbsolutePath().toUri().toString(), Files.size(file),
                    Hashing.sha256(file), kind));
        } catch (IOException e) {
            log("WARN cannot describe artifact " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void log(String line) {
        String msg = TS.format(Instant.now()) + " " + line;
        stderr.println("[athanor-worker] " + msg);
        add("worker", msg);
    }

    @Override
    public void output(String stream, String line) {
        stderr.println(line);
        add(stream, line);
    }

    private void add(String stream, String line) {
        boolean full;
        synchronized (this) {
            pendingLines.add(new String[]{stream, line.length() > MAX_LINE ? line.substring(0, MAX_LINE) + "…" : line});
            full = pendingLines.size() >= LOG_BATCH;
        }
        if (full) {
            flushLogs();
        }
    }

    /** Sends whatever is pending (the last progress, buffered log lines). */
    public void flush() {
        Payloads.Progress p;
        synchronized (this) {
            p = pendingProgress;
            pendingProgress = null;
            if (p != null) {
                lastProgressNanos = System.nanoTime();
            }
        }
        flushLogs();
        if (p != null) {
            emitter.emit(p);
        }
    }

    private synchronized void flushLogs() {
        lastLogFlushNanos = System.nanoTime();
        if (pendingLines.isEmpty()) {
            return;
        }
        List<String> run = new ArrayList<>();
        String stream = pendingLines.get(0)[0];
        for (String[] l : pendingLines) {
            if (!l[0].equals(stream)) {
                emitter.emit(new Payloads.Log(stream, run));
                run = new ArrayList<>();
                stream = l[0];
            }
            run.add(l[1]);
        }
        emitter.emit(new Payloads.Log(stream, run));
        pendingLines.clear();
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            synchronized (this) {
                if (pendingProgress != null
                        && now - lastProgressNanos >= TimeUnit.MILLISECONDS.toNanos(PROGRESS_INTERVAL_MS)) {
                    emitter.emit(pendingProgress);
                    pendingProgress = null;
                    lastProgressNanos = now;
                }
                if (now - lastLogFlushNanos >= TimeUnit.MILLISECONDS.toNanos(LOG_INTERVAL_MS)) {
                    flushLogs();
                }
            }
        } catch (RuntimeException e) {
            if (!tickFailed) {
                tickFailed = true;
                stderr.println("[athanor-worker] WARN cannot send events: " + e.getMessage());
            }
        }
    }

    /** Stops the ticker after a last flush. */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            flush();
        } catch (RuntimeException e) {
            stderr.println("[athanor-worker] WARN cannot send events: " + e.getMessage());
        }
    }
}
