package dev.athanor.k8s.cluster;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 8, defect 15: the real-cluster suites vanished from a green build when {@code $HOME} (where build.sh writes)
 * and Java's {@code user.home} (where the tests looked) differed. The build now passes one location to both, and a
 * missing binary fails the suites instead of skipping them.
 */
class ClusterSuitesCannotVanishTest {

    @Test
    void locationFollowsHomeFromTheEnvironmentNotJavasUserHome() {
        Path p = ClusterBinaries.location(null, Map.of("HOME", "/home/ci"), "/var/lib/other", "v1.34.4");
        assertThat(p).isEqualTo(Path.of("/home/ci/.cache/athanor/k8s-bin/v1.34.4"));
    }

    @Test
    void explicitLocationWinsOverTheEnvironment() {
        Map<String, String> env = Map.of("HOME", "/home/ci", "ATHANOR_K8S_BIN", "/opt/k8s");
        assertThat(ClusterBinaries.location("/from/maven", env, "/x", "v1")).isEqualTo(Path.of("/from/maven/v1"));
        assertThat(ClusterBinaries.location(null, env, "/x", "v1")).isEqualTo(Path.of("/opt/k8s/v1"));
        assertThat(ClusterBinaries.location(" ", Map.of(), "/x", "v1")).isEqualTo(Path.of("/x/.cache/athanor/k8s-bin/v1"));
    }

    @Test
    void theBuildPassesTheLocationBuildShWritesTo() {
        String passed = System.getProperty("athanor.k8s.bin");
        assertThat(passed).as("system property athanor.k8s.bin passed by the build").isNotBlank();
        Map<String, String> env = System.getenv();
        String expected = env.get("ATHANOR_K8S_BIN") != null && !env.get("ATHANOR_K8S_BIN").isEmpty()
                ? env.get("ATHANOR_K8S_BIN") : env.get("HOME") + "/.cache/athanor/k8s-bin";
        assertThat(Path.of(passed)).isEqualTo(Path.of(expected));
    }

    @Test
    void buildShAndTheTestsAgreeWhenHomeDiffersFromUserHome(@TempDir Path tmp) throws Exception {
        Path home = tmp.resolve("elsewhere-home");
        Path expected = ClusterBinaries.location(null, Map.of("HOME", home.toString()), "/nonexistent", "v0.0.0-test");
        for (String b : ClusterBinaries.NAMES) {
            fakeBinary(expected.resolve(b));
        }
        Path script = Path.of(System.getProperty("athanor.repo", "..")).resolve("k8s-cluster/build.sh");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true);
        pb.environment().remove("ATHANOR_K8S_BIN");
        pb.environment().put("HOME", home.toString());
        pb.environment().put("K8S_VERSION", "v0.0.0-test");
        Process p = pb.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("already in " + expected);
        assertThat(ClusterBinaries.require(expected)).isEqualTo(expected);
    }

    @Test
    void aMissingBinaryFailsNamingTheLocation(@TempDir Path tmp) throws IOException {
        fakeBinary(tmp.resolve("etcd"));
        assertThat(ClusterBinaries.missing(tmp)).containsExactly("kube-apiserver", "kube-scheduler");
        assertThatThrownBy(() -> ClusterBinaries.require(tmp))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(tmp.toString())
                .hasMessageContaining("kube-apiserver")
                .hasMessageContaining("-DskipClusterTests");
    }

    private static void fakeBinary(Path p) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
    }
}
