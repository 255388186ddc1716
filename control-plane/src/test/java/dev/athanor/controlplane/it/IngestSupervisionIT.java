package dev.athanor.controlplane.it;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.ingest.EventIngestor;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.arc.ClientProxy;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Defect 8: the ingest loop is supervised (a consumer failure outside the batch handling restarts it), its lag and
 * liveness are a readiness check and metrics, and it is "caught up" only while it can store what it reads (the
 * watchdog judges lost heartbeats only then).
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class IngestSupervisionIT {

    @Inject
    JobStore jobs;
    @Inject
    MeterRegistry meters;
    @Inject
    EventIngestor ingestor;

    double counter(String name) {
        var c = meters.find(name).counter();
        return c == null ? 0 : c.count();
    }

    JobView launchingJob() throws Exception {
        JobSubmission sub = Json.strict().readValue(Jobs.simple("supervised", "ingest-sup"), JobSubmission.class);
        return jobs.admitAndRecordIntent(jobs.create(sub, JobSpecs.parse(sub.kind(), sub.spec())).id(),
                "test", "test admits it").orElseThrow();
    }

    static void send(UUID id, long seq, WorkerEvent.Payload p) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            producer.send(TestEvents.signed(new WorkerEvent(WorkerEvent.VERSION, id, 1, 0, seq, Instant.now(), p)));
        }
    }

    /** The live consumer of the ingest loop (null between restarts). */
    KafkaConsumer<?, ?> consumer() throws Exception {
        Field f = EventIngestor.class.getDeclaredField("consumer");
        f.setAccessible(true);
        return (KafkaConsumer<?, ?>) f.get(ClientProxy.unwrap(ingestor));
    }

    @Test
    void aFailureOutsideTheBatchRestartsTheLoopAndLagAndLivenessAreReported() throws Exception {
        TestAuth.asAdmin();
        await().atMost(Duration.ofSeconds(60)).until(ingestor::caughtUp);
        given().get(InfraResource.management("/q/health/ready")).then().statusCode(200)
                .body("checks.find { it.name == 'athanor-ingest' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'athanor-ingest' }.data.caughtUp", equalTo(true));
        assertThat(meters.find("athanor_ingest_lag_records").gauge()).isNotNull();
        assertThat(meters.find("athanor_ingest_caught_up").gauge().value()).isEqualTo(1.0);

        // A poll that throws (here: woken up without a shutdown) ended the thread for good on the old loop.
        double restarts = counter("athanor_ingest_restarts_total");
        await().atMost(Duration.ofSeconds(30)).until(() -> consumer() != null);
        consumer().wakeup();
        await().atMost(Duration.ofSeconds(30)).until(() -> counter("athanor_ingest_restarts_total") > restarts);

        JobView job = launchingJob();
        send(job.id(), 1, new Payloads.Started("host-sup", 1, List.of(), "classical"));
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(job.id()).orElseThrow().state().equals("RUNNING"));
        await().atMost(Duration.ofSeconds(30)).until(ingestor::caughtUp);
        assertThat(ingestor.live()).isTrue();
    }

    @Test
    void ingestIsNotCaughtUpWhileItCannotStoreWhatItReads() throws Exception {
        TestAuth.asAdmin();
        JobView job = launchingJob();
        await().atMost(Duration.ofSeconds(60)).until(ingestor::caughtUp);
        IngestReadOnlyDatabaseIT.readOnly(true);
        try {
            send(job.id(), 1, new Payloads.Started("host-sup", 1, List.of(), "classical"));
            await().atMost(Duration.ofSeconds(60)).until(() -> ingestor.stalledSince() != null);
            assertThat(ingestor.caughtUp()).as("a stalled ingest is never caught up: heartbeats are not judged").isFalse();
            assertThat(meters.find("athanor_ingest_caught_up").gauge().value()).isEqualTo(0.0);
        } finally {
            IngestReadOnlyDatabaseIT.readOnly(false);
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(job.id()).orElseThrow().state().equals("RUNNING"));
        await().atMost(Duration.ofSeconds(30)).until(ingestor::caughtUp);
    }
}
