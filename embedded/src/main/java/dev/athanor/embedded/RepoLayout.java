package dev.athanor.embedded;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the other runnables are: the repository root is {@code ATHANOR_REPO} (env), {@code athanor.repo} (system
 * property) or found from this jar's location ({@code REPO/embedded/target/athanor-embedded.jar}), else the current
 * directory and its parents. Each jar can be overridden by an env var.
 */
public final class RepoLayout {
    public static final String CONTROL_PLANE_JAR = "control-plane/target/quarkus-app/quarkus-run.jar";
    public static final String WORKER_JAR = "worker/target/athanor-worker.jar";
    public static final String CLI_JAR = "cli/target/athanor-cli.jar";

    private final Path root;

    public RepoLayout(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public static RepoLayout detect() {
        String env = System.getenv("ATHANOR_REPO");
        if (env != null && !env.isBlank()) {
            return new RepoLayout(Path.of(env));
        }
        String prop = System.getProperty("athanor.repo");
        if (prop != null && !prop.isBlank()) {
            return new RepoLayout(Path.of(prop));
        }
        Optional<Path> fromJar = jarLocation().flatMap(RepoLayout::findRootAbove);
        if (fromJar.isPresent()) {
            return new RepoLayout(fromJar.get());
        }
        return new RepoLayout(findRootAbove(Path.of("").toAbsolutePath()).orElse(Path.of("").toAbsolutePath()));
    }

    static Optional<Path> jarLocation() {
        try {
            var src = RepoLayout.class.getProtectionDomain().getCodeSource();
            return src == null ? Optional.empty() : Optional.of(Path.of(src.getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Path> findRootAbove(Path start) {
        for (Path p = start.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("control-plane"))
                    && Files.isDirectory(p.resolve("embedded"))) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    public Path root() {
        return root;
    }

    public Path controlPlaneJar() {
        return override("ATHANOR_CONTROL_PLANE_JAR", "athanor.control-plane.jar").orElse(root.resolve(CONTROL_PLANE_JAR));
    }

    public Path workerJar() {
        return override("ATHANOR_LOCAL_WORKER_JAR", "athanor.worker.jar").orElse(root.resolve(WORKER_JAR));
    }

    private static Optional<Path> override(String env, String property) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(Path.of(v).toAbsolutePath());
    }

    /** @throws MissingJarException naming the jar and the command that builds it */
    public static Path require(Path jar, String what, String module) throws MissingJarException {
        if (!Files.isRegularFile(jar)) {
            throw new MissingJarException(what + " not found at " + jar + ". Build it with: ./mvnw -B -q -pl "
                    + module + " -am package -DskipTests (or run ./athanor, which builds what is missing)");
        }
        return jar;
    }

    public static final class MissingJarException extends Exception {
        public MissingJarException(String message) {
            super(message);
        }
    }
}
