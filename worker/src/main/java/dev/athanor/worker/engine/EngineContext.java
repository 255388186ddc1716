package dev.athanor.worker.engine;

import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.PathPolicy;

import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
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

    /** Environment: the job's team, for the {@code {team}} placeholder of the path roots. */
    public static final String TEAM = "ATHANOR_TEAM";
    /** Environment: roots jobs may read from, {@link File#pathSeparator}-separated (see {@link PathPolicy}). */
    public static final String READ_ROOTS = "ATHANOR_PATH_READ_ROOTS";
    /** Environment: roots jobs may write to. */
    public static final String WRITE_ROOTS = "ATHANOR_PATH_WRITE_ROOTS";
    /** Environment: roots no job may name (the control plane's home). */
    public static final String PROTECTED_ROOTS = "ATHANOR_PATH_PROTECTED";
    /** Environment: folders inside the protected roots that jobs may still name. */
    public static final String PROTECTED_EXCEPTIONS = "ATHANOR_PATH_PROTECTED_EXCEPTIONS";

    /** The path policy the launcher passed in the environment (none: only NUL and '..' are refused). */
    public static PathPolicy policy(Map<String, String> env) {
        return new PathPolicy(list(env, READ_ROOTS), list(env, WRITE_ROOTS), list(env, PROTECTED_ROOTS),
                list(env, PROTECTED_EXCEPTIONS));
    }

    private static List<String> list(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? List.of()
                : Arrays.stream(v.split(File.pathSeparator)).filter(s -> !s.isBlank()).toList();
    }

    /**
     * Resolves a path from the spec against the work directory, confined again here (the control plane checked it at
     * submission): NUL, a {@code ..} segment, or an absolute path outside the allowed roots is refused.
     *
     * @throws IllegalArgumentException when the path is not allowed
     */
    public Path resolve(String path) {
        String why = policy(env).problem(path, false, env.get(TEAM));
        if (why != null) {
            throw new IllegalArgumentException("path '" + path + "' " + why);
        }
        Path p = Path.of(path);
        Path resolved = p.isAbsolute() ? p.normalize() : workDir.resolve(p).normalize();
        if (!p.isAbsolute() && !resolved.startsWith(workDir.normalize())) {
            throw new IllegalArgumentException("path '" + path + "' leaves the work directory");
        }
        return resolved;
    }

    /** An environment variable, or {@code fallback}. */
    public String env(String name, String fallback) {
        String v = env.get(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
