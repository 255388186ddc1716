package dev.athanor.launcher.local;

import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.WorkerJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
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

class LocalProcessLauncherTest {

    @TempDir
    Path tmp;

    private final List<LocalProcessLauncher> launchers = new ArrayList<>();
    private final List<AttemptExit> exits = new CopyOnWriteArrayList<>();

    private LocalProcessLauncher launcher(LocalLauncherConfig.Builder b) {
        LocalProcessLauncher l = new LocalProcessLauncher(b.build());
        l.onExit(exits::add);
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

    private AttemptExit awaitExit(AttemptKey key) {
        await().atMost(WAIT).until(() -> exits.stream().anyMatch(e -> e.key().equals(key)));
        return only(exits, key);
    }

    private void awaitStarted(LocalProcessLauncher l, AttemptKey key, int worker) {
        await().atMost(WAIT).until(() -> Files.exists(envFile(l, key, worker)));
    }

    @Test
    void successfulWorkerGetsTheContractAndCompletes() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp.resolve("work"))
                .env(Map.of("EXTRA_SETTING", "on")));
        AttemptKey key = key();
        l.launch(request(key, 0, 1, "{\"mode\":\"exit\",\"code\":0,\"lines\":2}"));
        assertThat(l.active()).containsExactly(key);
        assertThat(l.capacity().freeCpuSlots()).isEqualTo(3);

        AttemptExit exit = awaitExit(key);
        assertThat(exit.succeeded()).isTrue();
        assertThat(exit.exitCode()).isZero();
        assertThat(exit.reason()).isEqualTo("Completed");
        assertThat(exit.lastLines()).isEmpty();

        Path wdir = l.workerDir(key, 0);
        assertThat(wdir).isEqualTo(tmp.resolve("work").resolve(key.name()).resolve("worker-0"));
        Properties env = env(l, key, 0);
        assertThat(env.getProperty("ATHANOR_JOB_ID")).isEqualTo(key.jobId().toString());
        assertThat(env.getProperty("ATHANOR_ATTEMPT")).isEqualTo("1");
        assertThat(env.getProperty("ATHANOR_WORKER_INDEX")).isEqualTo("0");
        assertThat(env.getProperty("ATHANOR_KAFKA_BOOTSTRAP")).isEqualTo("127.0.0.1:19092");
        assertThat(env.getProperty("ATHANOR_EVENTS_TOPIC")).isEqualTo("athanor.events.test");
        assertThat(env.getProperty("ATHANOR_HEARTBEAT_SECONDS")).isEqualTo("3");
        assertThat(env.getProperty("ATHANOR_WORK_DIR")).isEqualTo(wdir.toString());
        assertThat(env.getProperty("ATHANOR_JOB_FILE")).isEqualTo(wdir.resolve("job.json").toString());
        assertThat(env.getProperty("EXTRA_SETTING")).isEqualTo("on");
        assertThat(env.getProperty("cwd")).isEqualTo(wdir.toString());
        // a CPU-only job sees no GPU at all
        assertThat(env).containsKey("CUDA_VISIBLE_DEVICES");
        assertThat(env.getProperty("CUDA_VISIBLE_DEVICES")).isEmpty();
        assertThat(env.getProperty("NNODES")).isEqualTo("1");
        assertThat(env.getProperty("NODE_RANK")).isEqualTo("0");
        // the jvm options went in after the java launcher
        assertThat(env.getProperty("cmdline")).contains("-XX:TieredStopAtLevel=1");

        // worker.pid names the very process that ran (setsid did not fork), with its start instant
        List<String> pidFile = Files.readAllLines(wdir.resolve("worker.pid"));
        assertThat(pidFile.get(0)).isEqualTo(env.getProperty("pid"));
        assertThat(pidFile.get(1)).matches("\\d{4}-.*Z");

        WorkerJob job = Json.lenient().readValue(wdir.resolve("job.json").toFile(), WorkerJob.class);
        assertThat(job.jobId()).isEqualTo(key.jobId());
        assertThat(job.worker()).isZero();
        assertThat(job.spec().path("lines").asInt()).isEqualTo(2);

        assertThat(Files.readAllLines(wdir.resolve("worker.log"))).contains("line 0", "line 1");
        assertThat(Files.readString(wdir.resolve("exit-code")).strip()).isEqualTo("0");
        assertThat(Files.exists(l.workDir(key).resolve("exit.json"))).isTrue();
        assertThat(l.active()).isEmpty();
        assertThat(l.capacity().freeCpuSlots()).isEqualTo(4);

        assertThat(l.cleanup(key)).isTrue();
        assertThat(l.workDir(key)).doesNotExist();
        assertThat(l.cleanup(key)).isFalse();
    }

    @Test
    void failingWorkerReportsCodeAndLastLines() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp));
        AttemptKey key = key();
        l.launch(request(key, 0, 1, "{\"mode\":\"exit\",\"code\":3,\"lines\":12}"));

        AttemptExit exit = awaitExit(key);
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.reason()).isEqualTo("Error");
        assertThat(exit.message()).isEqualTo("worker 0 exited with code 3");
        assertThat(exit.lastLines()).containsExactly("line 7", "line 8", "line 9", "line 10", "line 11");
    }

    @Test
    void stopSendsSigtermAndSigkillsWhatIgnoresIt() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp));
        AttemptKey polite = key();
        AttemptKey stubborn = key();
        l.launch(request(polite, 0, 1, "{\"mode\":\"sleep\"}"));
        l.launch(request(stubborn, 0, 1, "{\"mode\":\"ignore-term\"}"));
        awaitStarted(l, polite, 0);
        await().atMost(WAIT).until(() -> Files.exists(l.workerDir(stubborn, 0).resolve("hook-installed")));

        l.stop(polite, Duration.ofSeconds(20));
        l.stop(stubborn, Duration.ofMillis(700));
        l.stop(stubborn, Duration.ofMillis(700)); // idempotent

        AttemptExit terminated = awaitExit(polite);
        assertThat(terminated.exitCode()).isEqualTo(143);
        assertThat(terminated.reason()).isEqualTo("Terminated");
        assertThat(terminated.message()).contains("after a stop request");

        AttemptExit killed = awaitExit(stubborn);
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(killed.reason()).isEqualTo("Killed");
        assertThat(killed.lastLines()).contains("got SIGTERM, ignoring it");

        l.stop(polite, Duration.ZERO); // stopping a finished attempt is a no-op
        assertThat(exits).hasSize(2);
    }

    @Test
    void maxRuntimeStopsTheAttemptAsDeadlineExceeded() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp));
        AttemptKey key = key();
        l.launch(request(key, Resources.DEFAULT, "{\"mode\":\"sleep\",\"lines\":1}", Duration.ofMillis(1500),
                List.of(), Map.of()));

        AttemptExit exit = awaitExit(key);
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.reason()).isEqualTo("DeadlineExceeded");
        assertThat(exit.exitCode()).isEqualTo(143);
        assertThat(exit.message()).contains("deadline");
        assertThat(exit.lastLines()).containsExactly("line 0");
    }

    @Test
    void gpusAreAssignedDisjointlyAndRefusedWhenBusy() throws Exception {
        Path fake = Fixtures.fakeNvidiaSmi(Files.createDirectories(tmp.resolve("bin")), "a100-sxm4-80gb-x4.csv", 0);
        LocalProcessLauncher l = launcher(Fixtures.config(tmp.resolve("work")).nvidiaSmi(fake.toString()));
        assertThat(Files.readString(tmp.resolve("bin/args.txt")).strip())
                .isEqualTo("--query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits");
        Capacity cap = l.capacity();
        assertThat(cap.totalGpusByModel()).isEqualTo(Map.of("NVIDIA A100-SXM4-80GB", 4));
        assertThat(cap.freeGpus()).isEqualTo(4);

        AttemptKey a = key();
        AttemptKey b = key();
        l.launch(request(a, 2, 1, "{\"mode\":\"sleep\"}"));
        l.launch(request(b, 2, 1, "{\"mode\":\"sleep\"}"));
        awaitStarted(l, a, 0);
        awaitStarted(l, b, 0);
        Set<String> gpusA = Set.of(env(l, a, 0).getProperty("CUDA_VISIBLE_DEVICES").split(","));
        Set<String> gpusB = Set.of(env(l, b, 0).getProperty("CUDA_VISIBLE_DEVICES").split(","));
        assertThat(gpusA).hasSize(2).doesNotContainAnyElementsOf(gpusB);
        Set<String> all = new HashSet<>(gpusA);
        all.addAll(gpusB);
        assertThat(all).containsExactlyInAnyOrder("0", "1", "2", "3");
        assertThat(env(l, a, 0).getProperty("CUDA_DEVICE_ORDER")).isEqualTo("PCI_BUS_ID");
        assertThat(env(l, a, 0).getProperty("NPROC_PER_NODE")).isEqualTo("2");
        assertThat(l.capacity().freeGpus()).isZero();
        assertThat(l.capacity().freeGpusByModel()).isEmpty();

        AttemptKey c = key();
        assertThatThrownBy(() -> l.launch(request(c, 2, 1, "{\"mode\":\"exit\"}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("needs 2 GPU(s)").contains("0 of 4 free");
                });
        // an explicit assignment of a busy GPU is refused too
        int busy = Integer.parseInt(gpusB.iterator().next());
        assertThatThrownBy(() -> l.launch(request(c, new Resources(1, 1, null, 1, "1Gi"), "{}", Duration.ZERO,
                List.of(), Map.of(0, List.of(busy)))))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.retryable()).isTrue());
        // more than the machine has, a GPU it does not have, or a type it does not have: never retryable
        assertThatThrownBy(() -> l.launch(request(key(), 4, 2, "{}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("this machine has 4 (4x NVIDIA A100-SXM4-80GB)");
                });
        assertThatThrownBy(() -> l.launch(request(key(), new Resources(1, 1, null, 1, "1Gi"), "{}", Duration.ZERO,
                List.of(), Map.of(0, List.of(7)))))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.retryable()).isFalse());
        assertThatThrownBy(() -> l.launch(request(key(), new Resources(1, 1, "h200-141gb", 1, "1Gi"), "{}",
                Duration.ZERO, List.of(), Map.of())))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.retryable()).isFalse());
        assertThat(l.active()).containsExactlyInAnyOrder(a, b);

        l.stop(a, Duration.ofSeconds(10));
        awaitExit(a);
        assertThat(l.capacity().freeGpuIndexes()).containsExactlyInAnyOrderElementsOf(
                gpusA.stream().map(Integer::valueOf).toList());
        l.launch(request(c, new Resources(2, 1, "a100-80gb", 1, "1Gi"), "{\"mode\":\"sleep\"}", Duration.ZERO,
                List.of(), Map.of()));
        awaitStarted(l, c, 0);
        assertThat(Set.of(env(l, c, 0).getProperty("CUDA_VISIBLE_DEVICES").split(","))).isEqualTo(gpusA);
    }

    @Test
    void cpuSlotsAreCounted() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp).cpuSlots(2));
        AttemptKey a = key();
        AttemptKey b = key();
        l.launch(request(a, 0, 1, "{\"mode\":\"sleep\"}"));
        l.launch(request(b, 0, 1, "{\"mode\":\"sleep\"}"));
        assertThat(l.capacity().freeCpuSlots()).isZero();
        assertThat(l.capacity().totalGpus()).isZero();

        assertThatThrownBy(() -> l.launch(request(key(), 0, 1, "{}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isTrue();
                    assertThat(e.getMessage()).contains("0 of 2 free");
                });
        assertThatThrownBy(() -> l.launch(request(key(), 0, 3, "{}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.retryable()).isFalse());
        assertThatThrownBy(() -> l.launch(request(key(), 1, 1, "{}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("no GPUs found");
                });

        l.stop(a, Duration.ofSeconds(10));
        awaitExit(a);
        assertThat(l.capacity().freeCpuSlots()).isEqualTo(1);
        AttemptKey c = key();
        l.launch(request(c, 0, 1, "{\"mode\":\"exit\"}"));
        assertThat(awaitExit(c).succeeded()).isTrue();
    }

    @Test
    void launchIsIdempotentPerAttempt() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp));
        AttemptKey key = key();
        l.launch(request(key, 0, 1, "{\"mode\":\"sleep\"}"));
        awaitStarted(l, key, 0);
        String pid = env(l, key, 0).getProperty("pid");

        l.launch(request(key, 0, 1, "{\"mode\":\"sleep\"}"));
        assertThat(l.active()).containsExactly(key);
        assertThat(l.capacity().freeCpuSlots()).isEqualTo(3);
        assertThat(Files.readAllLines(l.workerDir(key, 0).resolve("worker.pid")).get(0)).isEqualTo(pid);

        l.stop(key, Duration.ofSeconds(10));
        awaitExit(key);
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> exits.size() == 1);
    }

    @Test
    void aFailingGangMemberTearsDownTheGang() throws Exception {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp));
        AttemptKey key = key();
        l.launch(request(key, 0, 2,
                "{\"mode\":\"sleep\",\"workers\":{\"1\":{\"mode\":\"exit\",\"code\":3,\"lines\":3,"
                        + "\"await\":\"../worker-0/env.txt\"}}}"));

        AttemptExit exit = awaitExit(key);
        assertThat(exit.succeeded()).isFalse();
        assertThat(exit.exitCode()).isEqualTo(3);
        assertThat(exit.reason()).isEqualTo("Error");
        assertThat(exit.message()).startsWith("worker 1 exited with code 3").contains("other workers were stopped");
        assertThat(exit.lastLines()).containsExactly("line 0", "line 1", "line 2");
        // worker 0 was asked to stop (SIGTERM → 143), not left running
        assertThat(Files.readString(l.workerDir(key, 0).resolve("exit-code")).strip()).isEqualTo("143");
        assertThat(l.active()).isEmpty();

        Properties w0 = env(l, key, 0);
        Properties w1 = env(l, key, 1);
        assertThat(w0.getProperty("NNODES")).isEqualTo("2");
        assertThat(w0.getProperty("NODE_RANK")).isEqualTo("0");
        assertThat(w1.getProperty("NODE_RANK")).isEqualTo("1");
        assertThat(w0.getProperty("MASTER_ADDR")).isEqualTo("127.0.0.1");
        assertThat(w0.getProperty("MASTER_PORT")).isEqualTo(w1.getProperty("MASTER_PORT")).isNotBlank();
        assertThat(w1.getProperty("ATHANOR_WORKER_INDEX")).isEqualTo("1");
        WorkerJob job1 = Json.lenient().readValue(l.workerDir(key, 1).resolve("job.json").toFile(), WorkerJob.class);
        assertThat(job1.worker()).isEqualTo(1);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> exits.size() == 1);
    }

    @Test
    void secretsReachTheEnvironmentOnly() throws Exception {
        String value = "hf_s3cr3t_VALUE_42";
        LocalProcessLauncher l = launcher(Fixtures.config(tmp)
                .secret("team-a", "hf-token", value)
                .secret("team-a", "other-key", "never-injected")
                .secret("team-b", "vlm-key", "another-teams-value"));
        AttemptKey key = key();
        l.launch(request(key, Resources.DEFAULT, "{\"mode\":\"exit\",\"lines\":1}", Duration.ZERO,
                List.of("hf-token"), Map.of()));
        awaitExit(key);

        Properties env = env(l, key, 0);
        assertThat(env.getProperty("ATHANOR_SECRET_HF_TOKEN")).isEqualTo(value);
        assertThat(env).doesNotContainKey("ATHANOR_SECRET_OTHER_KEY").doesNotContainKey("ATHANOR_SECRET_VLM_KEY");
        assertThat(env.getProperty("cmdline")).isNotBlank().doesNotContain(value);
        assertThat(Files.readString(l.workerDir(key, 0).resolve("job.json"))).doesNotContain(value);
        assertThat(Files.readString(l.workerDir(key, 0).resolve("worker.log"))).doesNotContain(value);
        assertThat(Files.readString(l.workDir(key).resolve("launch.json"))).doesNotContain(value);
        assertThat(l.config().toString()).contains("hf-token").doesNotContain(value);

        assertThatThrownBy(() -> l.launch(request(key(), Resources.DEFAULT, "{}", Duration.ZERO,
                List.of("missing-secret"), Map.of())))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("missing-secret");
                });
    }

    @Test
    void defect1AJobCannotUseAnotherTeamsSecret() {
        // The job is team-a's (Fixtures); vlm-key exists, but only in team-b.
        LocalProcessLauncher l = launcher(Fixtures.config(tmp).secret("team-b", "vlm-key", "team-b-value"));
        AttemptKey key = key();
        assertThatThrownBy(() -> l.launch(request(key, Resources.DEFAULT, "{}", Duration.ZERO,
                List.of("vlm-key"), Map.of())))
                .isInstanceOfSatisfying(LaunchException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("vlm-key").contains("team-a").doesNotContain("team-b-value");
                });
        assertThat(l.active()).isEmpty();
    }

    @Test
    void leftoverGrandchildrenAreKilledWhenTheWorkerEnds() throws Exception {
        LocalLauncherConfig.Builder b = Fixtures.config(tmp);
        assertThat(b.build().newSession()).as("setsid (util-linux) is on the PATH").isTrue();
        LocalProcessLauncher l = launcher(b);
        AttemptKey key = key();
        l.launch(request(key, 0, 1, "{\"mode\":\"spawn\",\"code\":0}"));
        assertThat(awaitExit(key).succeeded()).isTrue();
        long child = Long.parseLong(Files.readString(l.workerDir(key, 0).resolve("child.pid")).strip());
        await().atMost(WAIT).until(() -> ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }

    @Test
    void aCommandThatCannotStartIsANonRetryableLaunchError() {
        LocalProcessLauncher l = launcher(Fixtures.config(tmp).jvmOptions(List.of())
                .command(List.of(tmp.resolve("no-such-binary").toString())));
        AttemptKey key = key();
        assertThatThrownBy(() -> l.launch(request(key, 0, 1, "{}")))
                .isInstanceOfSatisfying(LaunchException.class, e -> assertThat(e.retryable()).isFalse());
        assertThat(l.active()).isEmpty();
        assertThat(l.capacity().freeCpuSlots()).isEqualTo(4);
    }
}
