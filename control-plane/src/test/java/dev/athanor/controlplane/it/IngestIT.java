package dev.athanor.controlplane.it;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.common.job.IllegalTransitionException;
import dev.athanor.common.job.JobState;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import io.micrometer.core.instrument.MeterRegistry;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

/**
 * Event ingest from a real Kafka broker into a real PostgreSQL: de-duplication of replays, coalescing of bursts,
 * late events after the end, the dead-letter topic, and concurrent writers on one job.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class IngestIT {
    static KafkaProducer<String, byte[]> producer;

    @Inject
    JobStore jobs;
    @Inject
    MeterRegistry meters;

    @BeforeAll
    static void producer() {
        TestAuth.asAdmin();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        producer = new KafkaProducer<>(p);
    }

    @AfterAll
    static void close() {
        producer.close();
    }

    JobView launchingJob(String team) throws Exception {
        JobSubmission s = Json.strict().readValue(Jobs.simple("ingest", team), JobSubmission.class);
        JobView v = jobs.create(s, JobSpecs.parse(s.kind(), s.spec()));
        return jobs.admitAndRecordIntent(v.id(), "test", "test admits it").orElseThrow();
    }

    static void send(UUID job, int attempt, long seq, WorkerEvent.Payload p) {
        WorkerEvent e = new WorkerEvent(WorkerEvent.VERSION, job, attempt, 0, seq, Instant.now(), p);
        producer.send(TestEvents.signed(e));
    }

    double counter(String name, String... tags) {
        var c = meters.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void burstIsCoalescedReplaysAreDroppedLateEventsDoNotChangeAFinishedJob() throws Exception {
        JobView job = launchingJob("ingest-a");
        UUID id = job.id();
        send(id, 1, 1, new Payloads.Started("host-1", 42, List.of(), "classical"));
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.get(id).orElseThrow().state().equals("RUNNING"));

        double updatesBefore = counter("athanor_ingest_job_updates_total");
        int burst = 10_000;
        for (int i = 1; i <= burst; i++) {
            send(id, 1, 1 + i, new Payloads.Progress(i, burst, burst - i, "augmenting"));
        }
        send(id, 1, burst + 2, new Payloads.Metrics(burst, Map.of("loss", 0.25, "lr", 1e-4)));
        producer.flush();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JobView v = jobs.get(id).orElseThrow();
            assertThat(v.progress()).isNotNull();
            assertThat(v.progress().step()).isEqualTo(burst);
            assertThat(v.lastMetrics().get("loss").asDouble()).isEqualTo(0.25);
        });
        double updates = counter("athanor_ingest_job_updates_total") - updatesBefore;
        assertThat(updates).as("10,000 progress events coalesce into far fewer job updates").isLessThan(burst / 20.0);

        // Replay an old stretch of the same worker's events: all duplicates, progress does not go back.
        double dupBefore = counter("athanor_ingest_events_total", "outcome", "duplicate");
        for (int i = 1; i <= 50; i++) {
            send(id, 1, 1 + i, new Payloads.Progress(i, burst, 1, "augmenting"));
        }
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                counter("athanor_ingest_events_total", "outcome", "duplicate") - dupBefore >= 50);
        assertThat(jobs.get(id).orElseThrow().progress().step()).isEqualTo(burst);

        send(id, 1, burst + 3, new Payloads.Log("stdout", List.of("done with 10000 images")));
        send(id, 1, burst + 4, new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "augmented", Map.of("images", 10000.0)));
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.get(id).orElseThrow().state().equals("SUCCEEDED"));

        // Late events for the finished attempt: history is kept, state and progress are not changed.
        double lateBefore = counter("athanor_ingest_events_total", "outcome", "late");
        send(id, 1, burst + 5, new Payloads.Progress(3, burst, 99, "late"));
        send(id, 1, burst + 6, new Payloads.Started("host-2", 43, List.of(), "classical"));
        send(id, 1, burst + 7, new Payloads.Log("stdout", List.of("a late line")));
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                counter("athanor_ingest_events_total", "outcome", "late") - lateBefore >= 1);
        JobView after = jobs.get(id).orElseThrow();
        assertThat(after.state()).isEqualTo("SUCCEEDED");
        assertThat(after.progress().step()).isEqualTo(burst);
        assertThat(after.result().get("summary").get("images").asDouble()).isEqualTo(10000.0);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/api/v1/jobs/" + id + "/logs").then().statusCode(200).body("items.size()", equalTo(2)));
        given().get("/api/v1/jobs/" + id + "/metrics?name=loss").then().statusCode(200)
                .body("points[0].value", equalTo(0.25f)).body("points[0].step", equalTo(burst));
        given().get("/api/v1/jobs/" + id + "/timeline").then().statusCode(200)
                .body("items.to", equalTo(List.of("PENDING", "ADMITTED", "LAUNCHING", "RUNNING", "SUCCEEDED")));
    }

    @Test
    void malformedRecordsGoToTheDeadLetterTopicWithAReasonAndIngestContinues() throws Exception {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, TestInfra.kafkaBootstrap());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "dlq-reader-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        String marker = UUID.randomUUID().toString();
        producer.send(TestEvents.signedRaw(marker, "this is not json".getBytes(StandardCharsets.UTF_8)));
        producer.send(TestEvents.signedRaw(marker, ("{\"v\": 99, \"jobId\": \"" + marker + "\"}")
                .getBytes(StandardCharsets.UTF_8)));
        producer.send(TestEvents.signedRaw(marker, ("{\"v\": 1, \"jobId\": \"" + marker
                + "\", \"attempt\": 1, \"worker\": 0, \"seq\": 1, \"payload\": {\"type\": \"teleport\"}}").getBytes(StandardCharsets.UTF_8)));
        producer.flush();
        List<String> reasons = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(c)) {
            consumer.subscribe(List.of(EventCodec.DEAD_LETTER_TOPIC));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (marker.equals(r.key())) {
                        reasons.add(new String(r.headers().lastHeader("athanor.dlq.reason").value(), StandardCharsets.UTF_8));
                    }
                }
                return reasons.size() >= 3;
            });
        }
        assertThat(reasons.get(0)).startsWith("not JSON");
        assertThat(reasons.get(1)).contains("unsupported schema version 99");
        assertThat(reasons.get(2)).contains("invalid event");
        // ingest goes on: a valid event after the bad ones is applied
        JobView job = launchingJob("ingest-b");
        send(job.id(), 1, 1, new Payloads.Started("host-3", 7, List.of(), "classical"));
        producer.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> jobs.get(job.id()).orElseThrow().state().equals("RUNNING"));
    }

    @Inject
    dev.athanor.controlplane.lifecycle.RetentionJob retention;
    @Inject
    javax.sql.DataSource dataSource;

    @Test
    void retentionDropsLogsAndMetricsOfOldFinishedJobsOnly() throws Exception {
        JobView old = launchingJob("retention");
        JobView recent = launchingJob("retention");
        for (JobView j : List.of(old, recent)) {
            send(j.id(), 1, 1, new Payloads.Started("h", 1, List.of(), "classical"));
            send(j.id(), 1, 2, new Payloads.Log("stdout", List.of("kept?")));
            send(j.id(), 1, 3, new Payloads.Metrics(1, Map.of("loss", 1.0)));
            send(j.id(), 1, 4, new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "ok", Map.of()));
        }
        producer.flush();
        for (JobView j : List.of(old, recent)) {
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/api/v1/jobs/" + j.id() + "/logs").then().body("items.size()", equalTo(1)));
        }
        try (var c = dataSource.getConnection(); var ps = c.prepareStatement(
                "update job set finished_at = now() - interval '40 days' where id = ?")) {
            ps.setObject(1, old.id());
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }
        assertThat(retention.purge(Instant.now())).isPositive();
        given().get("/api/v1/jobs/" + old.id() + "/logs").then().body("items.size()", equalTo(0));
        given().get("/api/v1/jobs/" + old.id() + "/metrics").then().body("names.size()", equalTo(0));
        given().get("/api/v1/jobs/" + old.id() + "/timeline").then().body("items.size()", equalTo(5));
        given().get("/api/v1/jobs/" + recent.id() + "/logs").then().body("items.size()", equalTo(1));
        given().get("/api/v1/jobs/" + recent.id() + "/metrics").then().body("names", equalTo(List.of("loss")));
    }

    @Test
    void nulCharactersThatPostgresCannotStoreDoNotStallIngest() throws Exception {
        JobView job = launchingJob("ingest-nul");
        UUID id = job.id();
        send(id, 1, 1, new Payloads.Started("host\u0000x", 1, List.of(), "classical"));
        send(id, 1, 2, new Payloads.Progress(1, 2, 1, "pha\u0000se"));
        send(id, 1, 3, new Payloads.Log("stdout", List.of("bin\u0000ary")));
        send(id, 1, 4, new Payloads.Result(Payloads.Result.Status.SUCCEEDED, "done\u0000", Map.of()));
        producer.flush();
        await().atMost(Duration.ofSeconds(60)).until(() -> jobs.get(id).orElseThrow().state().equals("SUCCEEDED"));
        assertThat(jobs.get(id).orElseThrow().progress().phase()).isEqualTo("pha\ufffdse");
    }

    @Test
    void concurrentWritersApplyExactlyOneTerminalTransition() throws Exception {
        for (int round = 0; round < 5; round++) {
            JobView job = launchingJob("race");
            UUID id = job.id();
            AttemptKey key = new AttemptKey(id, job.attempt());
            int threads = 12;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int kind = t % 3;
                fs.add(pool.submit((Callable<Object>) () -> {
                    go.await();
                    try {
                        return switch (kind) {
                            case 0 -> jobs.settleExit(new AttemptExit(key, true, 0, "Completed", "ok", List.of()));
                            case 1 -> jobs.settleExit(new AttemptExit(key, false, 1, "Error", "boom", List.of()));
                            default -> jobs.transition(id, job.attempt(), JobState.CANCELLED, "Cancelled", "race", null);
                        };
                    } catch (IllegalTransitionException e) {
                        return e;
                    }
                }));
            }
            go.countDown();
            for (Future<?> f : fs) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            var timeline = jobs.timeline(id);
            long terminal = timeline.stream().filter(t -> JobState.valueOf(t.toState).isTerminal()).count();
            assertThat(terminal).as("exactly one terminal transition in %s", timeline.stream().map(t -> t.toState).toList())
                    .isEqualTo(1);
            assertThat(JobState.valueOf(jobs.get(id).orElseThrow().state()).isTerminal() ||
                    jobs.get(id).orElseThrow().state().equals("PENDING")).isTrue();
        }
    }
}
