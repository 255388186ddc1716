package dev.athanor.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.event.EventType;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.Cancellation;
import dev.athanor.worker.event.InMemoryEventSink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

class WorkerRunTest {
    @TempDir
    Path tmp;
    final InMemoryEventSink sink = new InMemoryEventSink();
    final Cancellation cancellation = new Cancellation();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    int run(JobKind kind, String specJson) throws Exception {
        JsonNode spec = Json.lenient().readTree(specJson);
        UUID id = UUID.randomUUID();
        WorkerJob job = new WorkerJob(id, 1, 0, "j", "team-a", kind, null, spec);
        return new WorkerRun(id, 1, 0, job, tmp, Duration.ofMillis(20), sink, Duration.ofSeconds(5), cancellation,
                Map.of("CUDA_VISIBLE_DEVICES", "0,1"), new PrintStream(err, true, StandardCharsets.UTF_8)).execute();
    }

    @Test
    void aSuccessfulJobSendsStartedFirstResultLastAndContiguousSeqs() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 8, 1);
        int code = run(JobKind.AUGMENTATION, """
                {"inputDir":"data/images","outputDir":"aug","outputsPerImage":4,
                 "operations":["rotate","blur","noise","crop"],"seed":3}""");

        assertThat(code).isZero();
        List<WorkerEvent> events = sink.events();
        assertThat(events.get(0).payload()).isInstanceOfSatisfying(Payloads.Started.class, s -> {
            assertThat(s.engine()).isEqualTo("classical");
            assertThat(s.gpus()).containsExactly(0, 1);
            assertThat(s.pid()).isEqualTo(ProcessHandle.current().pid());
        });
        assertThat(events.get(events.size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class, r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.SUCCEEDED);
            assertThat(r.summary()).containsEntry("images_written", 32.0);
        });
        assertThat(events).extracting(WorkerEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(sink.ofType(EventType.ARTIFACT)).hasSize(33);
        assertThat(sink.payloads(Payloads.Progress.class)).last()
                .satisfies(p -> assertThat(p.step()).isEqualTo(8));
        assertThat(sink.payloads(Payloads.Log.class)).anySatisfy(l -> assertThat(l.stream()).isEqualTo("worker"));
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("[athanor-worker]").contains("succeeded");
    }

    @Test
    void aBadSpecExitsTwoWithAFieldLevelMessage() throws Exception {
        int code = run(JobKind.AUGMENTATION, "{\"inputDir\":\"x\",\"outputDir\":\"y\",\"colour\":\"red\"}");
        assertThat(code).isEqualTo(2);
        assertThat(sink.events().get(0).type()).isEqualTo(EventType.STARTED);
        assertThat(sink.payloads(Payloads.Result.class)).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.FAILED);
            assertThat(r.message()).contains("invalid job").contains("spec.colour").contains("unknown field");
        });
    }

    /** Issue 8, defect 4: the worker confines spec paths again, whatever the control plane accepted. */
    @Test
    void aSpecPathThatLeavesItsRootsExitsTwoNamingTheField() throws Exception {
        int code = run(JobKind.LABELING, "{\"inputDir\":\"x\",\"outputFile\":\"../../../admin-token\","
                + "\"endpoint\":\"http://127.0.0.1:1/v1\",\"model\":\"m\"}");
        assertThat(code).isEqualTo(2);
        assertThat(sink.payloads(Payloads.Result.class)).singleElement().satisfies(r ->
                assertThat(r.message()).contains("invalid job").contains("spec.outputFile").contains("'..'"));
    }

    @Test
    void anUnknownEngineExitsTwo() throws Exception {
        assertThat(run(JobKind.EVALUATION, "{\"engine\":\"bleu\",\"groundTruthFile\":\"g\",\"outputDir\":\"o\"}"))
                .isEqualTo(2);
    }

    @Test
    void aMissingInputDirectoryIsARejectedJobAndExitsTwo() throws Exception {
        int code = run(JobKind.AUGMENTATION, "{\"inputDir\":\"missing\",\"outputDir\":\"y\"}");
        assertThat(code).isEqualTo(2);
        assertThat(sink.payloads(Payloads.Result.class)).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.FAILED);
            assertThat(r.message()).contains("missing").contains("does not exist");
        });
    }

    @Test
    void anEngineFailureExitsOneWithTheMessage() throws Exception {
        java.nio.file.Path in = java.nio.file.Files.createDirectories(tmp.resolve("corrupt"));
        java.nio.file.Files.writeString(in.resolve("broken.png"), "not an image");
        int code = run(JobKind.AUGMENTATION, "{\"inputDir\":\"" + in + "\",\"outputDir\":\"" + tmp.resolve("o") + "\"}");
        assertThat(code).isEqualTo(1);
        assertThat(sink.payloads(Payloads.Result.class)).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.FAILED);
            assertThat(r.message()).contains("broken.png");
        });
    }

    @Test
    void cancellationEndsWithResultCancelledAndExit143() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 4, 1);
        cancellation.cancel("stopped by SIGTERM");
        int code = run(JobKind.AUGMENTATION, "{\"inputDir\":\"data/images\",\"outputDir\":\"aug\"}");
        assertThat(code).isEqualTo(143);
        List<WorkerEvent> events = sink.events();
        assertThat(events.get(events.size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class, r -> {
            assertThat(r.status()).isEqualTo(Payloads.Result.Status.CANCELLED);
            assertThat(r.message()).contains("SIGTERM");
        });
    }

    @Test
    void sendsHeartbeatsWhileTheEngineRuns() throws Exception {
        DemoDataset.generate(tmp.resolve("train"), 40, 1);
        int code = run(JobKind.FINE_TUNE, "{\"dataset\":\"train/labels.jsonl\",\"outputDir\":\"m\",\"numTrainEpochs\":40}");
        assertThat(code).isZero();
        assertThat(sink.ofType(EventType.HEARTBEAT)).isNotEmpty();
    }

    @Test
    void parsesVisibleDevices() {
        assertThat(WorkerRun.parseGpus("4,5, 6,7")).containsExactly(4, 5, 6, 7);
        assertThat(WorkerRun.parseGpus("GPU-1234abcd")).isEmpty();
        assertThat(WorkerRun.parseGpus("")).isEmpty();
        assertThat(WorkerRun.parseGpus(null)).isEmpty();
    }

    /** Defect 9: a worker whose events could not be delivered says so in its exit, never silently. */
    @Test
    void aWorkerWhoseResultCouldNotBeDeliveredSaysSoInItsExit() throws Exception {
        InMemoryEventSink memory = new InMemoryEventSink();
        boolean[] broken = {false};
        dev.athanor.worker.event.EventSink lossy = new dev.athanor.worker.event.EventSink() {
            @Override
            public void send(WorkerEvent event) {
                memory.send(event);
                if (event.type() == EventType.RESULT) {
                    broken[0] = true; // the broker went away for longer than the delivery timeout
                }
            }

            @Override
            public boolean flush(Duration timeout) {
                return !broken[0];
            }

            @Override
            public long undelivered() {
                return broken[0] ? 3 : 0;
            }

            @Override
            public String lossReason() {
                return broken[0] ? "cannot deliver events to Kafka at k:9092 (topic t): TimeoutException: expired" : null;
            }

            @Override
            public void close(Duration timeout) {
            }

            @Override
            public String describe() {
                return "kafka k:9092 topic t";
            }
        };
        DemoDataset.generate(tmp.resolve("data"), 2, 1);
        UUID id = UUID.randomUUID();
        WorkerJob job = new WorkerJob(id, 1, 0, "j", "team-a", JobKind.AUGMENTATION, null, Json.lenient().readTree(
                "{\"inputDir\":\"data/images\",\"outputDir\":\"aug\",\"outputsPerImage\":1,\"seed\":3}"));
        int code = new WorkerRun(id, 1, 0, job, tmp, Duration.ofSeconds(10), lossy, Duration.ofMillis(200),
                cancellation, Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8)).execute();
        assertThat(code).isEqualTo(WorkerRun.EXIT_EVENTS_UNDELIVERED).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("could not be delivered to kafka k:9092 topic t (3 events given up on)")
                .contains("TimeoutException: expired");
    }
}
