package dev.athanor.worker;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventType;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.json.Json;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.Cancellation;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real WorkerMain flow against a real in-process KRaft broker. */
class WorkerMainKafkaTest {
    static KafkaClusterTestKit cluster;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(1)
                .setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("num.partitions", "3")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void streamsEveryEventOfAJobInOrderToKafka() throws Exception {
        DemoDataset.generate(tmp.resolve("data"), 6, 1);
        UUID jobId = UUID.randomUUID();
        String topic = "worker-events-" + jobId;
        Path jobFile = tmp.resolve("job.json");
        Files.writeString(jobFile, Json.write(Map.of("jobId", jobId.toString(), "attempt", 2, "worker", 0,
                "kind", "AUGMENTATION", "spec", Map.of("inputDir", "data/images", "outputDir", "aug",
                        "outputsPerImage", 2, "seed", 1))));
        Map<String, String> env = new HashMap<>();
        env.put("ATHANOR_JOB_ID", jobId.toString());
        env.put("ATHANOR_ATTEMPT", "2");
        env.put("ATHANOR_WORKER_INDEX", "0");
        env.put("ATHANOR_KAFKA_BOOTSTRAP", cluster.bootstrapServers());
        env.put("ATHANOR_EVENTS_TOPIC", topic);
        env.put("ATHANOR_WORK_DIR", tmp.toString());
        env.put("ATHANOR_JOB_FILE", jobFile.toString());
        env.put("ATHANOR_HEARTBEAT_SECONDS", "0.05");

        int code = new WorkerMain(env, new Cancellation(), quietStderr()).run();
        assertThat(code).isZero();

        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty()
                        && EventCodec.decode(records.get(records.size() - 1).value()).type() == EventType.RESULT;
            });
        }
        List<WorkerEvent> events = records.stream().map(r -> EventCodec.decode(r.value())).toList();
        assertThat(records).allSatisfy(r -> assertThat(r.key()).isEqualTo(jobId.toString()));
        assertThat(records.stream().map(ConsumerRecord::partition).distinct()).hasSize(1);
        assertThat(events).allSatisfy(e -> {
            assertThat(e.jobId()).isEqualTo(jobId);
            assertThat(e.attempt()).isEqualTo(2);
        });
        assertThat(events).extracting(WorkerEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events.get(0).type()).isEqualTo(EventType.STARTED);
        assertThat(events.get(events.size() - 1).payload()).isInstanceOfSatisfying(Payloads.Result.class,
                r -> assertThat(r.status()).isEqualTo(Payloads.Result.Status.SUCCEEDED));
        assertThat(events).filteredOn(e -> e.type() == EventType.ARTIFACT).hasSize(13);
    }

    @Test
    void failsWithinBoundedTimeWhenKafkaIsUnreachable() throws Exception {
        Path jobFile = tmp.resolve("job.json");
        Files.writeString(jobFile, "{\"jobId\":\"" + UUID.randomUUID() + "\",\"attempt\":1,\"kind\":\"EVALUATION\","
                + "\"spec\":{\"groundTruthFile\":\"g.jsonl\",\"predictionsFile\":\"p.jsonl\",\"outputDir\":\"o\"}}");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = Map.of("ATHANOR_KAFKA_BOOTSTRAP", "127.0.0.1:1", "ATHANOR_JOB_FILE", jobFile.toString(),
                "ATHANOR_WORK_DIR", tmp.toString(), "ATHANOR_KAFKA_MAX_BLOCK_MS", "1500",
                "ATHANOR_KAFKA_DELIVERY_TIMEOUT_MS", "2000");
        long start = System.nanoTime();
        int code = new WorkerMain(env, new Cancellation(), new PrintStream(err, true, StandardCharsets.UTF_8)).run();
        assertThat(code).isEqualTo(WorkerRun.EXIT_EVENTS_UNDELIVERED);
        assertThat((System.nanoTime() - start) / 1e9).isLessThan(30);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot deliver events to Kafka at 127.0.0.1:1");
    }

    @Test
    void rejectsAMissingJobWithExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new WorkerMain(Map.of("ATHANOR_KAFKA_BOOTSTRAP", "x:1"), new Cancellation(),
                new PrintStream(err, true, StandardCharsets.UTF_8)).run();
        assertThat(code).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("ATHANOR_JOB_FILE or ATHANOR_JOB_JSON is required");
    }

    private static KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        return new KafkaConsumer<>(p);
    }

    private static PrintStream quietStderr() {
        return new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
    }
}
