package dev.athanor.worker;

import dev.athanor.common.event.EventType;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.worker.engine.Cancellation;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.event.EventEmitter;
import dev.athanor.worker.event.InMemoryEventSink;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.LongConsumer;

/** Test wiring: an engine context whose events land in memory. */
public final class Fixture implements AutoCloseable {
    public final InMemoryEventSink sink = new InMemoryEventSink();
    public final Cancellation cancellation = new Cancellation();
    public final ByteArrayOutputStream stderrBytes = new ByteArrayOutputStream();
    public final EventReporter reporter;
    private LongConsumer onProgress = s -> { };

    public Fixture() {
        reporter = new EventReporter(new EventEmitter(sink, UUID.randomUUID(), 1, 0),
                new PrintStream(stderrBytes, true, StandardCharsets.UTF_8));
    }

    /** Calls {@code hook} with the step of every progress report (e.g. to cancel mid-run). */
    public Fixture onProgress(LongConsumer hook) {
        this.onProgress = hook;
        return this;
    }

    public EngineContext context(JobSpec spec, Path workDir, Map<String, String> env) {
        Reporter hooked = new Reporter() {
            @Override
            public void progress(long step, long total, double eta, String phase) {
                reporter.progress(step, total, eta, phase);
                onProgress.accept(step);
            }

            @Override
            public void metrics(long step, Map<String, Double> values) {
                reporter.metrics(step, values);
            }

            @Override
            public void artifact(Path file, String name, String kind) {
                reporter.artifact(file, name, kind);
            }

            @Override
            public void log(String line) {
                reporter.log(line);
            }

            @Override
            public void output(String stream, String line) {
                reporter.output(stream, line);
            }
        };
        return new EngineContext(spec, workDir, cancellation, hooked, env);
    }

    public EngineContext context(JobSpec spec, Path workDir) {
        return context(spec, workDir, Map.of());
    }

    /** All metric values with this name, in order. */
    public List<Double> metric(String name) {
        reporter.flush();
        return sink.payloads(Payloads.Metrics.class).stream().filter(m -> m.values().containsKey(name))
                .map(m -> m.values().get(name)).toList();
    }

    public List<Payloads.Artifact> artifacts() {
        return sink.payloads(Payloads.Artifact.class);
    }

    public List<String> logLines(String stream) {
        reporter.flush();
        return sink.payloads(Payloads.Log.class).stream().filter(l -> l.stream().equals(stream))
                .flatMap(l -> l.lines().stream()).toList();
    }

    public long eventCount(EventType type) {
        return sink.ofType(type).size();
    }

    public String stderr() {
        return stderrBytes.toString(StandardCharsets.UTF_8);
    }

    /** Copies a test-double script from test resources into {@code dir} and makes it executable. */
    public static Path script(String resource, Path dir) throws IOException {
        Path target = dir.resolve(resource.substring(resource.lastIndexOf('/') + 1));
        try (InputStream in = Fixture.class.getResourceAsStream(resource)) {
            Files.copy(in, target);
        }
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        return target;
    }

    @Override
    public void close() {
        reporter.close();
    }
}
