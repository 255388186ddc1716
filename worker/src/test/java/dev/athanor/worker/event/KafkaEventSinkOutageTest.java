package dev.athanor.worker.event;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventType;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.worker.WorkerConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Defect 9: a worker's Kafka sink rides out a broker that cannot take its events (here the partition refuses
 * {@code acks=all} writes: the retriable error an outage or a leader election gives) instead of failing for good,
 * and counts what it finally had to give up on instead of throwing on every later event.
 */
class KafkaEventSinkOutageTest {
    static KafkaClusterTestKit cluster;
    static Admin admin;

    static final List<String> TOPICS = List.of("outage-ridden-out", "outage-too-long");

    /**
     * Two brokers, the test topics replicated on both, then the second broker stopped: the partitions live on with one
     * in-sync replica, so raising {@code min.insync.replicas} to 2 makes every {@code acks=all} write fail with a
     * retriable error until it is lowered again.
     */
    @BeforeAll
    static void startBroker() throws Exception {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder().setCombined(true).setNumBrokerNodes(2)
                .setNumControllerNodes(1).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("replica.lag.time.max.ms", "1000")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()));
        admin.createTopics(TOPICS.stream().map(t -> new NewTopic(t, 1, (short) 2)).toList()).all().get();
        int leader = admin.describeTopics(TOPICS).allTopicNames().get().values().iterator().next()
                .partitions().get(0).leader().id();
        int other = cluster.brokers().keySet().stream().filter(id -> id != leader).findFirst().orElseThrow();
        cluster.brokers().get(other).shutdown();
        await().atMost(Duration.ofSeconds(60)).until(() -> admin.describeTopics(TOPICS).allTopicNames().get().values()
                .stream().allMatch(d -> d.partitions().get(0).isr().size() == 1
                        && d.partitions().get(0).leader() != null && d.partitions().get(0).leader().id() != other));
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Starts (true) or ends (false) the outage: with min.insync.replicas above the replicas, acks=all is refused. */
    static void outage(String topic, boolean on) throws Exception {
        admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
                new AlterConfigOp(new ConfigEntry("min.insync.replicas", on ? "2" : "1"), AlterConfigOp.OpType.SET))))
                .all().get();
        // the change reaches the partition asynchronously: wait until a probe write is refused (or accepted again)
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        p.put(ProducerConfig.RETRIES_CONFIG, "0");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> probe = new KafkaProducer<>(p)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                try {
                    probe.send(new ProducerRecord<>(topic, "probe", new byte[0])).get();
                    return !on;
                } catch (java.util.concurrent.ExecutionException e) {
                    return on && e.getCause() instanceof NotEnoughReplicasException;
                }
            });
        }
    }

    static WorkerEvent event(UUID job, long seq, WorkerEvent.Payload p) {
        return new WorkerEvent(WorkerEvent.VERSION, job, 1, 0, seq, Instant.now(), p);
    }

    static List<WorkerEvent> read(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "outage-" + UUID.randomUUID());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<WorkerEvent> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (!"probe".equals(r.key())) {
                        out.add(EventCodec.decode(r.value()));
                    }
                }
                return out.size() >= expected;
            });
        }
        return out;
    }

    @Test
    void theDefaultDeliveryTimeoutRidesOutTenMinutesAndIsConfigurable() {
        assertThat(WorkerConfig.fromEnv(Map.of("ATHANOR_KAFKA_BOOTSTRAP", "k:9092")).kafka().deliveryTimeoutMs())
                .isGreaterThanOrEqualTo(600_000);
        KafkaEventSink.Settings k = WorkerConfig.fromEnv(Map.of("ATHANOR_KAFKA_BOOTSTRAP", "k:9092",
                "ATHANOR_KAFKA_DELIVERY_TIMEOUT_MS", "900000", "ATHANOR_KAFKA_BUFFER_BYTES", "1048576")).kafka();
        assertThat(k.deliveryTimeoutMs()).isEqualTo(900_000);
        assertThat(k.bufferBytes()).isEqualTo(1_048_576);
        assertThat(KafkaEventSink.properties("k:9092", "c", KafkaEventSink.Settings.DEFAULT))
                .containsEntry("delivery.timeout.ms", "600000").containsEntry("buffer.memory", "33554432");
    }

    @Test
    void eventsSentDuringAnOutageAreDeliveredWhenTheBrokerTakesWritesAgain() throws Exception {
        String topic = TOPICS.get(0);
        UUID job = UUID.randomUUID();
        try (KafkaEventSink sink = new KafkaEventSink(cluster.bootstrapServers(), topic, job.toString(), "w",
                new KafkaEventSink.Settings(5_000, 120_000, 8L * 1024 * 1024, Map.of()))) {
            sink.send(event(job, 1, new Payloads.Started("h", 1, List.of(), "classical")));
            assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
            outage(topic, true);
            for (long seq = 2; seq <= 300; seq++) {
                sink.send(event(job, seq, new Payloads.Progress(seq, 300, 1, "work")));
            }
            // the outage is real: for 5 s none of it gets through, and sending goes on
            await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(15))
                    .until(() -> !sink.flush(Duration.ofMillis(50)));
            sink.send(event(job, 301, new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "ok", Map.of())));
            outage(topic, false);
            assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
            assertThat(sink.undelivered()).isZero();
        }
        List<WorkerEvent> events = read(topic, 301);
        assertThat(events).extracting(WorkerEvent::seq)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 301).boxed().toList());
        assertThat(events.get(300).type()).isEqualTo(EventType.RESULT);
    }

    @Test
    void anOutageLongerThanTheDeliveryTimeoutLosesOnlyItsEventsAndIsCounted() throws Exception {
        String topic = TOPICS.get(1);
        UUID job = UUID.randomUUID();
        try (KafkaEventSink sink = new KafkaEventSink(cluster.bootstrapServers(), topic, job.toString(), "w",
                new KafkaEventSink.Settings(2_000, 3_000, 8L * 1024 * 1024, Map.of()))) {
            sink.send(event(job, 1, new Payloads.Started("h", 1, List.of(), "classical")));
            assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
            outage(topic, true);
            for (long seq = 2; seq <= 11; seq++) {
                sink.send(event(job, seq, new Payloads.Log("stdout", List.of("line " + seq))));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.undelivered() == 10);
            assertThat(sink.lossReason()).contains("cannot deliver events to Kafka");
            outage(topic, false);
            // later events still go out: the failure is not sticky
            for (long seq = 12; seq <= 16; seq++) {
                sink.send(event(job, seq, new Payloads.Heartbeat()));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sink.flush(Duration.ofSeconds(5)));
            assertThat(sink.undelivered()).isEqualTo(10);
        }
        List<WorkerEvent> events = read(topic, 6);
        assertThat(events).extracting(WorkerEvent::seq).containsExactly(1L, 12L, 13L, 14L, 15L, 16L);
    }
}
