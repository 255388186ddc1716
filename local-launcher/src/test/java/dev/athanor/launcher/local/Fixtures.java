package dev.athanor.launcher.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.launcher.local.testproc.TestWorker;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/** Test helpers: a launcher config that runs {@link TestWorker}, requests, env files, a fake nvidia-smi. */
final class Fixtures {
    static final ObjectMapper M = new ObjectMapper();
    static final Duration WAIT = Duration.ofSeconds(30);

    private Fixtures() {
    }

    static LocalLauncherConfig.Builder config(Path workRoot) {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        return LocalLauncherConfig.builder(List.of(LocalLauncherConfig.currentJava(), "-cp", cp,
                        TestWorker.class.getName()))
                .jvmOptions("-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -Xmx64m -XX:-UsePerfData")
                .workRoot(workRoot)
                .kafkaBootstrap("127.0.0.1:19092")
                .eventsTopic("athanor.events.test")
                .cpuSlots(4)
                .killGrace(Duration.ofSeconds(2))
                .heartbeatSeconds(3)
                .logTailLines(5)
                .nvidiaSmi(null);
    }

    static AttemptKey key() {
        return new AttemptKey(UUID.randomUUID(), 1);
    }

    static JsonNode spec(String json) {
        try {
            return M.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static LaunchRequest request(AttemptKey key, int gpusPerWorker, int workers, String specJson) {
        return request(key, new Resources(gpusPerWorker, workers, null, 1.0, "1Gi"), specJson, Duration.ZERO,
                List.of(), Map.of());
    }

    static LaunchRequest request(AttemptKey key, Resources res, String specJson, Duration maxRuntime,
                                 List<String> secrets, Map<Integer, List<Integer>> gpuIds) {
        WorkerJob job = new WorkerJob(key.jobId(), key.attempt(), 0, "test-job", "team-a", JobKind.EVALUATION, res,
                spec(specJson));
        return new LaunchRequest(key, job, res, secrets, maxRuntime, gpuIds);
    }

    static Path envFile(LocalProcessLauncher l, AttemptKey key, int worker) {
        return l.workerDir(key, worker).resolve("env.txt");
    }

    static Properties env(LocalProcessLauncher l, AttemptKey key, int worker) {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(envFile(l, key, worker))) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /** A shell script that stands in for nvidia-smi: records its arguments and prints a recorded CSV. */
    static Path fakeNvidiaSmi(Path dir, String resource, int exitCode) {
        try {
            Path csv = dir.resolve("gpus.csv");
            try (InputStream in = Fixtures.class.getResourceAsStream("/nvidia-smi/" + resource)) {
                Files.write(csv, in.readAllBytes());
            }
            Path script = dir.resolve("nvidia-smi");
            Files.writeString(script, "#!/bin/sh\necho \"$@\" > '" + dir.resolve("args.txt") + "'\ncat '" + csv
                    + "'\nexit " + exitCode + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AttemptExit only(List<AttemptExit> exits, AttemptKey key) {
        List<AttemptExit> mine = exits.stream().filter(e -> e.key().equals(key)).toList();
        if (mine.size() != 1) {
            throw new AssertionError("expected one exit for " + key + ", got " + mine);
        }
        return mine.get(0);
    }
}
