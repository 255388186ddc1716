package dev.athanor.launcher.local;

import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.athanor.launcher.local.Fixtures.WAIT;
import static dev.athanor.launcher.local.Fixtures.env;
import static dev.athanor.launcher.local.Fixtures.envFile;
import static dev.athanor.launcher.local.Fixtures.key;
import static dev.athanor.launcher.local.Fixtures.only;
import static dev.athanor.launcher.local.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class RecoveryTest {

    @TempDir
    Path tmp;

    private final List<LocalProcessLauncher> launchers = new ArrayList<>();

    private LocalProcessLauncher launcher(LocalLauncherConfig.Builder b, List<AttemptExit> sink) {
        LocalProcessLauncher l = new LocalProcessLauncher(b.build());
        l.onExit(sink::add);
        launchers.add(l);
        return l;
    }

    @AfterEach
    void killEverything() {
        for (LocalProcessLauncher l : launchers) {
            l.stopAll(Duration.ZERO);
            l.close();
        }
    }

    @Test
    void aRestartedLauncherAdoptsLiveWorkersAndReportsTheirExit() throws Exception {
        Path fake = Fixtures.fakeNvidiaSmi(Files.createDirectories(tmp.resolve("bin")), "a100-sxm4-80gb-x4.csv", 0);
        LocalLauncherConfig.Builder cfg = Fixtures.config(tmp.resolve("work")).nvidiaSmi(fake.toString());
        List<AttemptExit> exitsA = new CopyOnWriteArrayList<>();
        List<AttemptExit> exitsB = new CopyOnWriteArrayList<>();

        LocalProcessLauncher a = launcher(cfg, exitsA);
        AttemptKey gpuJob = key();
        AttemptKey cpuJob = key();
        a.launch(request(gpuJob, 2, 1, "{\"mode\":\"sleep\"}"));
        a.launch(request(cpuJob, 0, 1, "{\"mode\":\"sleep\"}"));
        await().atMost(WAIT).until(() -> Files.exists(envFile(a, gpuJob, 0)) && Files.exists(envFile(a, cpuJob, 0)));
        String gpus = env(a, gpuJob, 0).getProperty("CUDA_VISIBLE_DEVICES");
        long pid = Long.parseLong(env(a, gpuJob, 0).getProperty("pid"));

        a.close(); // the control plane goes away: its workers keep running
        ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
        assertThat(worker.isAlive()).isTrue();

        LocalProcessLauncher b = launcher(cfg, exitsB);
        RecoveryReport report = b.recover(Set.of());
        assertThat(report.adopted()).containsExactlyInAnyOrder(gpuJob, cpuJob);
        assertThat(report.reported()).isEmpty();
        assertThat(b.active()).containsExactlyInAnyOrder(gpuJob, cpuJob);
        // the adopted GPUs and slot are taken again
        List<Integer> held = List.of(gpus.split(",")).stream().map(Integer::valueOf).toList();
        assertThat(b.capacity().freeGpuIndexes()).hasSize(2).doesNotContainAnyElementsOf(held);
        assertThat(b.capacity().freeCpuSlots()).isEqualTo(3);
        assertThatThrownBy(() -> b.launch(request(key(), 3, 1, "{}")))
                .isInstanceOfSatisfying(dev.athanor.common.launch.LaunchException.class,
                        e -> assertThat(e.retryable()).isTrue());
        // launching the adopted attempt again does not start a second process
        b.launch(request(gpuJob, 2, 1, "{\"mode\":\"sleep\"}"));
        assertThat(Files.readAllLines(b.workerDir(gpuJob, 0).resolve("worker.pid")).get(0))
                .isEqualTo(Long.toString(pid));
        assertThat(b.recover(Set.of()).adopted()).isEmpty(); // already tracked

        // a worker that records its own exit code is reported with it
        Files.writeString(b.workerDir(cpuJob, 0).resolve("exit-code"), "143\n");
        b.stop(gpuJob, Duration.ofSeconds(10));
        b.stop(cpuJob, Duration.ofSeconds(10));
        await().atMost(WAIT).until(() -> exitsB.size() == 2);

        AttemptExit gpuExit = only(exitsB, gpuJob);
        assertThat(gpuExit.succeeded()).isFalse();
        assertThat(gpuExit.exitCode()).isEqualTo(-1);
        assertThat(gpuExit.reason()).isEqualTo("Adopted process exited");
        assertThat(gpuExit.message()).contains("pid " + pid);
        AttemptExit cpuExit = only(exitsB, cpuJob);
        assertThat(cpuExit.exitCode()).isEqualTo(143);
        assertThat(cpuExit.reason()).isEqualTo("Terminated");
        assertThat(worker.isAlive()).isFalse();
        assertThat(exitsA).isEmpty();
        assertThat(b.active()).isEmpty();
        assertThat(b.capacity().freeGpus()).isEqualTo(4);

        // yet another restart: the recorded exit is reported again unless the caller has settled the attempt
        List<AttemptExit> exitsC = new CopyOnWriteArrayList<>();
        LocalProcessLauncher c = launcher(cfg, exitsC);
        RecoveryReport again = c.recover(Set.of(cpuJob));
        assertThat(again.skipped()).containsExactly(cpuJob);
        assertThat(again.reported()).containsExactly(gpuJob);
        await().atMost(WAIT).until(() -> exitsC.size() == 1);
        assertThat(exitsC.get(0)).isEqualTo(gpuExit);
    }

    @Test
    void attemptsWhoseProcessIsGoneAreReportedLost() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("work"));
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        Instant deadStart = p.info().startInstant().orElse(Instant.now());
        AttemptKey dead = key();
        writeAttempt(root, dead, p.pid() + "\n" + deadStart + "\n", null);
        // a pid that is alive but belongs to another process (recycled): must not be adopted
        AttemptKey recycled = key();
        writeAttempt(root, recycled, ProcessHandle.current().pid() + "\n2020-01-01T00:00:00Z\n", null);
        AttemptKey settled = key();
        writeAttempt(root, settled, p.pid() + "\n" + deadStart + "\n", null);
        // the launcher recorded exit 0 but died before writing exit.json
        AttemptKey completed = key();
        writeAttempt(root, completed, p.pid() + "\n" + deadStart + "\n", "0");
        Files.createDirectories(root.resolve("not-an-attempt"));

        List<AttemptExit> exits = new CopyOnWriteArrayList<>();
        LocalProcessLauncher l = launcher(Fixtures.config(root), exits);
        RecoveryReport report = l.recover(Set.of(settled));
        assertThat(report.adopted()).isEmpty();
        assertThat(report.skipped()).containsExactly(settled);
        assertThat(report.reported()).containsExactlyInAnyOrder(dead, recycled, completed);
        assertThat(l.active()).isEmpty();

        await().atMost(WAIT).until(() -> exits.size() == 3);
        AttemptExit lost = only(exits, dead);
        assertThat(lost.succeeded()).isFalse();
        assertThat(lost.reason()).isEqualTo("Lost");
        assertThat(lost.exitCode()).isEqualTo(-1);
        assertThat(lost.message()).contains("worker 0 (pid " + p.pid() + ")");
        assertThat(lost.lastLines()).containsExactly("first words", "last words");
        assertThat(only(exits, recycled).reason()).isEqualTo("Lost");
        assertThat(only(exits, completed).succeeded()).isTrue();
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }

    private static void writeAttempt(Path root, AttemptKey key, String pidFile, String exitCode) throws Exception {
        Path dir = root.resolve(key.name());
        Path w = Files.createDirectories(dir.resolve("worker-0"));
        Files.writeString(dir.resolve("launch.json"), Json.write(new LocalProcessLauncher.AttemptRecord(key.jobId(),
                key.attempt(), 1, Map.of(0, List.of()), 1, Instant.now(), null, false)));
        Files.writeString(w.resolve("worker.pid"), pidFile);
        Files.writeString(w.resolve("worker.log"), "first words\nlast words\n");
        if (exitCode != null) {
            Files.writeString(w.resolve("exit-code"), exitCode);
        }
    }
}
