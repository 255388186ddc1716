package dev.athanor.worker;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventType;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.json.Json;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.testdouble.VlmTestDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs the shaded jar as a real child process ({@code java -jar athanor-worker.jar}) with the file event sink. */
class WorkerProcessIT {
    @TempDir
    Path tmp;

    Process start(Object spec, String kind, Map<String, String> extraEnv) throws IOException {
        Path jar = Path.of(System.getProperty("athanor.worker.jar", "target/athanor-worker.jar"));
        assertThat(jar).exists();
        Path job = tmp.resolve("job.json");
        Files.writeString(job, Json.write(Map.of("jobId", UUID.randomUUID().toString(), "attempt", 1, "worker", 0,
                "kind", kind, "spec", spec)));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString());
        pb.environment().put("ATHANOR_JOB_FILE", job.toString());
        pb.environment().put("ATHANOR_EVENTS_FILE", tmp.resolve("events.jsonl").toString());
        pb.environment().put("ATHANOR_WORK_DIR", tmp.toString());
        pb.environment().put("ATHANOR_HEARTBEAT_SECONDS", "0.2");
        pb.environment().remove("ATHANOR_KAFKA_BOOTSTRAP");
        pb.environment().putAll(extraEnv);
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("worker.log").toFile());
        return pb.start();
    }

    List<WorkerEvent> events() throws IOException {
        Path f = tmp.resolve("events.jsonl");
        if (!Files.exists(f)) {
            return List.of();
        }
        return Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                .map(l -> EventCodec.decode(l.getBytes(StandardCharsets.UTF_8))).toList();
    }

    @Test
    void sigtermMidRunEndsWithResultCancelledAndExit143() throws Exception {
        DemoDataset.generate(tmp.resolve("train"), 40, 1);
        Process p = start(Map.of("dataset", "train/labels.jsonl", "outputDir", "model", "numTrainEpochs", 5000),
                "FINE_TUNE", Map.of());
        await().atMost(Duration.ofSeconds(60)).until(() -> events().stream().anyMatch(e ->
                e.payload() instanceof Payloads.Progress pr && "training".equals(pr.phase())));

        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isEqualTo(143);
        List<WorkerEvent> events = events();
        assertThat(events.get(0).type()).isEqualTo(EventType.STARTED);
        assertThat(events.get(events.size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class, r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.CANCELLED);
            assertThat(r.message()).contains("SIGTERM");
        });
        assertThat(events).extracting(WorkerEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(tmp.resolve("model/model.json")).doesNotExist();
        assertThat(Files.readString(tmp.resolve("worker.log"))).contains("SIGTERM received");
    }

    @Test
    void sigtermAlsoStopsAChildTool() throws Exception {
        Path cli = Fixture.script("/testdoubles/llamafactory-cli-test-double.sh", tmp);
        Process p = start(Map.of("engine", "llamafactory", "baseModel", "Qwen/Qwen2.5-VL-7B-Instruct",
                        "template", "qwen2_vl", "dataset", "mllm_demo", "outputDir", "saves/sft"), "FINE_TUNE",
                Map.of("ATHANOR_LLAMAFACTORY_CLI", cli.toString(), "TEST_DOUBLE_STEPS", "500",
                        "TEST_DOUBLE_STEP_SECONDS", "0.1"));
        await().atMost(Duration.ofSeconds(60)).until(() -> events().stream().anyMatch(e -> e.type() == EventType.PROGRESS));
        List<ProcessHandle> children = p.descendants().toList();
        assertThat(children).isNotEmpty();

        p.destroy();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(p.exitValue()).isEqualTo(143);
        assertThat(events().get(events().size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class,
                r -> assertThat(r.status()).isEqualTo(Payloads.Result.Status.CANCELLED));
        await().atMost(Duration.ofSeconds(10)).until(() -> children.stream().noneMatch(ProcessHandle::isAlive));
    }

    @Test
    void labelsTheDemoImagesThroughTheVlmDoubleAndExitsZero() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 8, 5);
        try (VlmTestDouble vlm = new VlmTestDouble(0, "k-123", List.of("internvl3")).start()) {
            Process p = start(Map.of("inputDir", "data/images", "outputFile", "labels.jsonl", "endpoint", vlm.baseUrl(),
                            "model", "internvl3", "apiKeySecret", "vllm-key", "allowedLabels", DemoDataset.CLASSES),
                    "LABELING", Map.of("ATHANOR_SECRET_VLLM_KEY", "k-123"));
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(Files.readString(tmp.resolve("worker.log"))).isZero();
        }
        List<WorkerEvent> events = events();
        assertThat(events.get(events.size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class, r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.SUCCEEDED);
            assertThat(r.summary()).containsEntry("labeled", 8.0);
        });
        assertThat(Files.readAllLines(tmp.resolve("labels.jsonl"))).hasSize(8);
        assertThat(Files.readString(tmp.resolve("events.jsonl"))).doesNotContain("k-123");
        assertThat(Files.readString(tmp.resolve("worker.log"))).doesNotContain("k-123");
    }
}
