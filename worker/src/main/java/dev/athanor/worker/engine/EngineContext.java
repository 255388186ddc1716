package dev.athanor.worker.engine;

import dev.athanor.common.spec.JobSpec;

import java.nio.file.Path;
import java.util.Map;

/**
 * What an engine works with.
 *
 * @param spec         the parsed, typed spec
 * @param workDir      the attempt's scratch directory; relative paths in the spec are resolved against it
 * @param cancellation set when the worker is asked to stop
 * @param reporter     progress, metrics, artifacts and log lines
 * @param env          the process environment (secrets, tool paths)
 */
public record EngineContext(JobSpec spec, Path workDir, Cancellation cancellation, Reporter reporter,
                            Map<String, String> env) {

    public EngineContext {
        env = env == null ? Map.of() : Map.copyOf(env);
    }

    /** The spec as its concrete type. */
    public <T extends JobSpec> T spec(Class<T> type) {
        return type.cast(spec);
    }

    /** Resolves a path from the spec against the work directory (absolute paths stay as they are). */
    public Path resolve(String path) {
        Path p = Path.of(path);
        return p.isAbsolute() ? p.normalize() : workDir.resolve(p).normalize();
    }

    /** An environment variable, or {@code fallback}. */
    public String env(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
