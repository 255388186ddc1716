package dev.athanor.controlplane.it;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * Defect 7: a PostgreSQL that answers but cannot write (a read-only standby after a failover) must stall ingest,
 * never dead-letter: the events are stored once the database takes writes again, and readiness says DOWN meanwhile.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class IngestReadOnlyDatabaseIT {

    @Inject
    JobStore jobs;
    @Inject
    MeterRegistry meters;
    @Inject
    DataSource dataSource;

    double counter(String name) {
        var c = meters.find(name).counter();
        return c == null ? 0 : c.count();
    }

    /** Switches the whole server read-only (or back) for every session, pooled ones included. */
    static void readOnly(boolean on) throws Exception {
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             Statement s = c.createStatement()) {
            s.execute("set default_transaction_read_only = off");
            s.execute(on ? "alter system set default_transaction_read_only = on"
                    : "alter system reset default_transaction_read_only");
            s.execute("select pg_reload_conf()");
        }
    }

    @Test
    void aReadOnlyDatabaseStallsIngestWithoutDeadLetteringAndIngestResumesByItself() throws Exception {
        TestAuth.asAdmin();
        JobSubmission sub = Json.strict().readValue(Jobs.simple("read-only", "ingest-ro"), JobSubmission.class);
        JobView job = jobs.admitAndRecordIntent(jobs.create(sub, JobSpecs.parse(sub.kind(), sub.spec())).id(),
                "test", "test admits it").orElseThrow();
        UUID id = job.id();
        double deadBefore = counter("athanor_ingest_dead_letters_total");
        double failuresBefore = counter("athanor_ingest_failures_total");

        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        readOnly(true);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p)) {
            try {
                List<WorkerEvent.Payload> events = List.of(
                        new Payloads.Started("host-ro", 1, List.of(), "classical"),
                        new Payloads.Log("stdout", List.of("written while the database was read-only")),
                        new Payloads.Metrics(1, Map.of("loss", 0.5)),
                        new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "ok", Map.of()));
                long seq = 1;
                for (WorkerEvent.Payload e : events) {
                    producer.send(TestEvents.signed(new WorkerEvent(WorkerEvent.VERSION, id, 1, 0, seq++, Instant.now(), e)));
                }
                producer.flush();
                // Far more failed tries than the three after which today's main dead-letters one by one.
                await().atMost(Duration.ofSeconds(90)).until(() ->
                        counter("athanor_ingest_failures_total") - failuresBefore >= 6);
                given().get(InfraResource.management("/q/health/ready")).then().statusCode(503)
                        .body("checks.find { it.name == 'athanor-ingest' }.status", equalTo("DOWN"))
                        .body("checks.find { it.name == 'athanor-ingest' }.data.lastFailure",
                                org.hamcrest.Matchers.containsString("25006"));
                assertThat(counter("athanor_ingest_dead_letters_total")).isEqualTo(deadBefore);
                assertThat(jobs.get(id).orElseThrow().state()).isEqualTo("LAUNCHING");
            } finally {
                readOnly(false);
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(id).orElseThrow().state().equals("SUCCEEDED"));
        given().get("/api/v1/jobs/" + id + "/logs").then().statusCode(200).body("items.size()", equalTo(1));
        given().get("/api/v1/jobs/" + id + "/metrics").then().statusCode(200).body("names", hasItem("loss"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get(InfraResource.management("/q/health/ready")).then()
                .statusCode(200).body("checks.find { it.name == 'athanor-ingest' }.status", equalTo("UP")));
        assertThat(counter("athanor_ingest_dead_letters_total")).as("nothing was dead-lettered").isEqualTo(deadBefore);
    }
}
