package dev.athanor.k8s.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where {@code k8s-cluster/build.sh} put etcd, kube-apiserver and kube-scheduler. The build passes the one location it
 * built to as system property {@code athanor.k8s.bin} (Maven property of the same name, derived from the environment
 * exactly as build.sh derives it); outside Maven (the bench CLI) the same rule is applied here:
 * {@code $ATHANOR_K8S_BIN}, else {@code $HOME/.cache/athanor/k8s-bin}, and only then Java's {@code user.home}.
 */
public final class ClusterBinaries {
    public static final List<String> NAMES = List.of("etcd", "kube-apiserver", "kube-scheduler");

    private ClusterBinaries() {
    }

    /** The versioned directory the binaries are (or should be) in. */
    public static Path location(String property, Map<String, String> env, String userHome, String version) {
        Path base;
        if (!blank(property)) {
            base = Path.of(property);
        } else if (!blank(env.get("ATHANOR_K8S_BIN"))) {
            base = Path.of(env.get("ATHANOR_K8S_BIN"));
        } else {
            String home = !blank(env.get("HOME")) ? env.get("HOME") : userHome;
            base = Path.of(home, ".cache", "athanor", "k8s-bin");
        }
        return base.resolve(version);
    }

    /** The location for this JVM: system property, environment, user.home. */
    public static Path location(String version) {
        return location(System.getProperty("athanor.k8s.bin"), System.getenv(), System.getProperty("user.home"),
                version);
    }

    /** The binaries missing (or not executable) in {@code dir}; empty when all are there. */
    public static List<String> missing(Path dir) {
        return NAMES.stream().filter(b -> !Files.isExecutable(dir.resolve(b))).toList();
    }

    /** The directory, or an {@link IllegalStateException} naming the location and what is missing. */
    public static Path require(Path dir) {
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("k8s binaries " + missing + " not found in " + dir
                    + ": run k8s-cluster/build.sh (about 12 min cold on 2 cores), or leave the real-cluster suites out"
                    + " with -DskipClusterTests");
        }
        return dir;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
