package dev.athanor.launcher.local;

import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.athanor.launcher.local.Fixtures.WAIT;
import static dev.athanor.launcher.local.Fixtures.key;
import static dev.athanor.launcher.local.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 8, defect 4 (local workers): a worker inherited the control plane's whole environment (including
 * {@code QUARKUS_DATASOURCE_PASSWORD}) and its directories and files were readable by every local user. Now workers
 * start with an allowlisted environment, and work directories are 0700, their files 0600.
 */
class WorkersCannotReachTheControlPlanesSecretsTest {
    @TempDir
    Path tmp;

    private LocalProcessLauncher launcher;
    private final List<AttemptExit> exits = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() {
        if (launcher != null) {
            launcher.stopAll(Duration.ZERO);
            launcher.close();
        }
    }

    @Test
    void theControlPlanesEnvironmentIsNotInherited() {
        assertThat(LocalProcessLauncher.inheritable("QUARKUS_DATASOURCE_PASSWORD")).isFalse();
        assertThat(LocalProcessLauncher.inheritable("ATHANOR_API_TOKEN")).isFalse();
        assertThat(LocalProcessLauncher.inheritable("AWS_SECRET_ACCESS_KEY")).isFalse();
        assertThat(LocalProcessLauncher.inheritable("PATH")).isTrue();
        assertThat(LocalProcessLauncher.inheritable("HF_HOME")).isTrue();
        assertThat(LocalProcessLauncher.inheritable("NCCL_DEBUG")).isTrue();
    }

    @Test
    void aWorkerSeesOnlyAllowlistedVariablesAndItsFilesArePrivate() throws Exception {
        launcher = new LocalProcessLauncher(Fixtures.config(tmp.resolve("work")).env(Map.of("EXTRA_SETTING", "on")).build());
        launcher.onExit(exits::add);
        AttemptKey key = key();
        launcher.launch(request(key, 0, 1, "{\"mode\":\"exit\",\"code\":0,\"lines\":1}"));
        await().atMost(WAIT).until(() -> exits.stream().anyMatch(e -> e.key().equals(key)));

        Path wdir = launcher.workerDir(key, 0);
        Set<String> names = Set.copyOf(Files.readAllLines(wdir.resolve("env-names.txt")));
        assertThat(names).contains("EXTRA_SETTING", "ATHANOR_JOB_FILE");
        for (String n : System.getenv().keySet()) {
            if (!LocalProcessLauncher.inheritable(n) && !n.startsWith("ATHANOR_")) {
                assertThat(names).as("variable %s of the control plane's environment", n).doesNotContain(n);
            }
        }

        assertThat(mode(tmp.resolve("work"))).isEqualTo("rwx------");
        assertThat(mode(wdir.getParent())).isEqualTo("rwx------");
        assertThat(mode(wdir)).isEqualTo("rwx------");
        assertThat(mode(wdir.resolve(LocalProcessLauncher.LOG_FILE))).isEqualTo("rw-------");
        assertThat(mode(wdir.resolve(LocalProcessLauncher.JOB_FILE))).isEqualTo("rw-------");
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
