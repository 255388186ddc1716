package dev.athanor.controlplane.it;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventSignature;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Defect 3: worker events are authenticated per attempt. An unsigned record, one signed with another attempt's key
 * or with a made-up key, and a genuine signature reused for another job are dead-lettered with the reason and change
 * nothing; only the attempt's own worker moves its job.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class IngestEventSignatureIT {

    @Inject
    JobStore jobs;

    JobView launchingJob() throws Exception {
        JobSubmission sub = Json.strict().readValue(Jobs.simple("signed", "ingest-sig"), JobSubmission.class);
        return jobs.admitAndRecordIntent(jobs.create(sub, JobSpecs.parse(sub.kind(), sub.spec())).id(),
                "test", "test admits it").orElseThrow();
    }

    static WorkerEvent event(UUID job, long seq, WorkerEvent.Payload p) {
        return new WorkerEvent(WorkerEvent.VERSION, job, 1, 0, seq, Instant.now(), p);
    }

    @Test
    void forgedEventsAreDeadLetteredWithTheReasonAndChangeNothing() throws Exception {
        TestAuth.asAdmin();
        JobView victim = launchingJob();
        JobView attacker = launchingJob();
        UUID v = victim.id();
        String marker = v.toString();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        WorkerEvent forgedResult = event(v, 1, new Payloads.Result(Payloads.Result.Status.FAILED, "forged", Map.of()));
        WorkerEvent mute = event(v, Long.MAX_VALUE, new Payloads.Log("stdout", List.of("injected")));
        byte[] attackerKey = EventSignature.attemptKey(TestEvents.master(), attacker.id(), 1);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            // 1. unsigned, as before this fix
            producer.send(new ProducerRecord<>(EventCodec.TOPIC, marker, EventCodec.encode(forgedResult)));
            // 2. signed with the attacker's own attempt key, claiming the victim's attempt
            producer.send(TestEvents.signedWith(attackerKey, EventSignature.attemptId(v, 1), marker, mute));
            // 3. a valid signature of the attacker's attempt, carrying an event about the victim's job
            producer.send(TestEvents.signedWith(attackerKey, EventSignature.attemptId(attacker.id(), 1), marker,
                    forgedResult));
            // 4. a made-up key
            producer.send(TestEvents.signedWith(new byte[32], EventSignature.attemptId(v, 1), marker, forgedResult));
            producer.flush();

            Map<Integer, String> reasons = deadLetters(marker, 4);
            assertThat(reasons.values()).hasSize(4);
            assertThat(reasons.values()).anySatisfy(r -> assertThat(r).startsWith("unsigned record"));
            assertThat(reasons.values()).filteredOn(r -> r.startsWith("signature does not verify for attempt " + v + "/1"))
                    .hasSize(2);
            assertThat(reasons.values()).anySatisfy(r -> assertThat(r).contains("signed for attempt " + attacker.id() + "/1"));

            // nothing changed: the genuine worker's events (seq 1 onwards) are applied and move the job
            assertThat(jobs.get(v).orElseThrow().state()).isEqualTo("LAUNCHING");
            producer.send(TestEvents.signed(event(v, 1, new Payloads.Started("host", 1, List.of(), "classical"))));
            producer.send(TestEvents.signed(event(v, 2, new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "ok",
                    Map.of()))));
            producer.flush();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(v).orElseThrow().state().equals("SUCCEEDED"));
        assertThat(jobs.get(attacker.id()).orElseThrow().state()).isEqualTo("LAUNCHING");
    }

    /** Reads the dead-letter topic until {@code n} records with this key are there: offset → reason. */
    static Map<Integer, String> deadLetters(String key, int n) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        Map<Integer, String> reasons = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(EventCodec.DEAD_LETTER_TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(r.key())) {
                        reasons.put((int) r.offset(), new String(r.headers().lastHeader("athanor.dlq.reason").value(),
                                StandardCharsets.UTF_8));
                    }
                }
                return reasons.size() >= n;
            });
        }
        return reasons;
    }
}
