package dev.athanor.controlplane.ingest;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventSignature;
import dev.athanor.common.event.MalformedEventException;
import dev.athanor.common.event.WorkerEvent;
import dev.athanor.controlplane.config.AthanorConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Consumes worker events from Kafka. Per poll: decode, send undecodable records to the dead-letter topic with the
 * reason, apply the rest in one database transaction, and only then commit the offsets. A failed transaction
 * rewinds to the batch start. If one record's data cannot be stored (see {@link WriteFailure}) the batch is applied
 * one record at a time and only that record is dead-lettered; if the database cannot take writes, ingest is stalled:
 * it retries the same records with a backoff, for as long as it takes, and the readiness check reports it DOWN.
 */
@ApplicationScoped
public class EventIngestor {
    private static final Logger LOG = Logger.getLogger(EventIngestor.class);

    @Inject
    AthanorConfig config;
    @Inject
    IngestService ingest;
    @Inject
    MeterRegistry meters;
    @Inject
    EventKeys keys;

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private Thread thread;
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private volatile Instant stalledSince;
    private volatile String lastFailure;
    private final AtomicInteger failures = new AtomicInteger();
    private static final int LIVE_SECONDS = 30;
    private volatile Instant lastPollAt;
    private volatile Instant lagCheckedAt;
    private volatile Instant lagMeasuredAt;
    private volatile long lag;

    void start(@Observes @Priority(10) StartupEvent ev) {
        if (!config.kafka().enabled()) {
            LOG.info("Kafka ingest disabled (athanor.kafka.enabled=false)");
            stopped.countDown();
            caughtUp.countDown();
            return;
        }
        AthanorConfig.Kafka k = config.kafka();
        TopicSetup.ensure(k.bootstrapServers(), k.client(), k.topic(), k.deadLetterTopic(), k.partitions(),
                k.replicationFactor(), k.retentionHours());
        running = true;
        meters.gauge("athanor_ingest_lag_records", this, EventIngestor::lag);
        meters.gauge("athanor_ingest_last_poll_age_seconds", this, i -> i.lastPollAt == null ? -1
                : Duration.between(i.lastPollAt, Instant.now()).toMillis() / 1000.0);
        meters.gauge("athanor_ingest_caught_up", this, i -> i.caughtUp() ? 1 : 0);
        thread = new Thread(this::supervise, "athanor-ingest");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            stopped.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits (bounded) until the consumer has drained what was on the topic when it started, so decisions taken
     * after a restart see every event workers sent while the control plane was down.
     */
    public boolean awaitCaughtUp(Duration max) {
        try {
            return caughtUp.await(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs the consumer for as long as the control plane runs: whatever ends it (a poll, an offset lookup or a
     * rewind that throws, an unexpected error) is logged and counted, and a fresh consumer resumes from the committed
     * offsets after a backoff.
     */
    private void supervise() {
        Duration backoff = Duration.ofMillis(500);
        try {
            while (running) {
                try {
                    consume();
                    backoff = Duration.ofMillis(500);
                } catch (WakeupException e) {
                    if (running) {
                        LOG.warn("Kafka ingest consumer woken up unexpectedly: restarting it");
                        restarted(backoff);
                    }
                } catch (Throwable e) {
                    if (!running) {
                        break;
                    }
                    LOG.errorf(e, "Kafka ingest loop failed: restarting it in %d ms", backoff.toMillis());
                    restarted(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        } finally {
            consumer = null;
            stopped.countDown();
            caughtUp.countDown();
        }
    }

    private void restarted(Duration backoff) {
        meters.counter("athanor_ingest_restarts_total").increment();
        lagMeasuredAt = null;
        pause(backoff);
    }

    private void consume() {
        AthanorConfig.Kafka k = config.kafka();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(consumerProps(k));
             KafkaProducer<String, byte[]> dlq = new KafkaProducer<>(producerProps(k))) {
            consumer = c;
            if (!running) {
                return;
            }
            c.subscribe(List.of(k.topic()));
            Duration backoff = Duration.ofMillis(200);
            boolean oneByOne = false;
            while (running) {
                ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(250));
                lastPollAt = Instant.now();
                measureLag(c, records.count());
                if (records.isEmpty()) {
                    continue;
                }
                try {
                    process(records, dlq, oneByOne);
                    c.commitSync(nextOffsets(records));
                    backoff = Duration.ofMillis(200);
                    oneByOne = false;
                    recovered();
                } catch (WakeupException e) {
                    throw e;
                } catch (RecordFailure e) {
                    // One record of the batch cannot be stored: go one by one to find it and dead-letter only it.
                    LOG.warnf("a record of a batch of %d cannot be stored (%s): applying them one by one",
                            records.count(), WriteFailure.describe(e.getCause()));
                    oneByOne = true;
                    rewind(c, records);
                } catch (RuntimeException e) {
                    // The database (or the dead-letter topic) cannot take writes now: nothing is dead-lettered,
                    // no offset is committed, the same records are retried after a backoff for as long as it takes.
                    stalled(e, records.count(), backoff);
                    rewind(c, records);
                    pause(backoff);
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        } finally {
            consumer = null;
        }
    }

    /**
     * Every two seconds (and after each empty poll until the first catch-up): how many records of the assigned
     * partitions are not applied yet (the broker's end offsets minus the consumer's position, plus what was just
     * polled). A broker that does not answer within 5 s leaves the lag unknown.
     */
    private void measureLag(KafkaConsumer<String, byte[]> c, int polled) {
        Instant now = Instant.now();
        Instant last = lagCheckedAt;
        boolean starting = caughtUp.getCount() > 0;
        if (starting ? polled > 0 : last != null && Duration.between(last, now).toMillis() < 2_000) {
            return;
        }
        lagCheckedAt = now;
        Set<TopicPartition> assigned = c.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        Map<TopicPartition, Long> end;
        try {
            end = c.endOffsets(assigned, Duration.ofSeconds(5));
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOG.debugf("ingest lag unknown: %s", e.getMessage());
            return;
        }
        long behind = polled; // polled but not applied yet
        for (TopicPartition tp : assigned) {
            behind += Math.max(0, end.getOrDefault(tp, 0L) - c.position(tp));
        }
        lag = behind;
        lagMeasuredAt = now;
        if (behind == 0) {
            caughtUp.countDown();
        }
    }

    /**
     * Whether ingest is live and caught up now: polling, not stalled, and its lag measured within the last 10 s at
     * most one poll's worth of records. Decisions that rely on ingested events (lost heartbeats) wait for this.
     */
    public boolean caughtUp() {
        if (!config.kafka().enabled()) {
            return true;
        }
        Instant now = Instant.now();
        Instant polled = lastPollAt;
        Instant measured = lagMeasuredAt;
        return stalledSince == null && polled != null && Duration.between(polled, now).toSeconds() < LIVE_SECONDS
                && measured != null && Duration.between(measured, now).toSeconds() < 10
                && lag <= config.kafka().maxPollRecords();
    }

    /** Whether the ingest loop polled Kafka within the last 30 s. */
    public boolean live() {
        Instant polled = lastPollAt;
        return !config.kafka().enabled()
                || polled != null && Duration.between(polled, Instant.now()).toSeconds() < LIVE_SECONDS;
    }

    /** Records not consumed yet at the last measurement; -1 while unknown. */
    public long lag() {
        return lagMeasuredAt == null ? -1 : lag;
    }

    /** When the loop last polled Kafka (null before the first poll). */
    public Instant lastPollAt() {
        return lastPollAt;
    }

    private void process(ConsumerRecords<String, byte[]> records, KafkaProducer<String, byte[]> dlq,
                         boolean oneByOne) {
        List<WorkerEvent> events = new ArrayList<>(records.count());
        List<ConsumerRecord<String, byte[]>> sources = new ArrayList<>(records.count());
        List<Future<?>> sends = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            String forged = unauthentic(r);
            if (forged != null) {
                meters.counter("athanor_ingest_rejected_total", "reason", "signature").increment();
                sends.add(deadLetter(dlq, r, forged));
                continue;
            }
            try {
                WorkerEvent e = EventCodec.decode(withoutNul(r.value()));
                String misattributed = misattributed(r, e);
                if (misattributed != null) {
                    meters.counter("athanor_ingest_rejected_total", "reason", "attribution").increment();
                    sends.add(deadLetter(dlq, r, misattributed));
                    continue;
                }
                events.add(e);
                sources.add(r);
            } catch (MalformedEventException e) {
                sends.add(deadLetter(dlq, r, e.getMessage()));
            }
        }
        if (!oneByOne) {
            apply(events);
        } else {
            // A record of this batch cannot be stored: find it, dead-letter it with the reason and keep going,
            // instead of blocking every partition behind it. A database failure still stops the batch.
            for (int i = 0; i < events.size(); i++) {
                try {
                    apply(List.of(events.get(i)));
                } catch (RecordFailure e) {
                    sends.add(deadLetter(dlq, sources.get(i), "cannot be stored: " + WriteFailure.describe(e.getCause())));
                }
            }
        }
        for (Future<?> f : sends) {
            try {
                f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("dead-letter send failed: " + e.getMessage(), e);
            }
        }
    }

    /**
     * Why a record is not authentic (ADR 0012), or null: it must carry the attempt it speaks for and a signature that
     * verifies with that attempt's key. Unsigned records pass only with {@code athanor.events.require-signature=false}.
     */
    private String unauthentic(ConsumerRecord<String, byte[]> r) {
        Header attempt = r.headers().lastHeader(EventSignature.ATTEMPT_HEADER);
        Header sig = r.headers().lastHeader(EventSignature.SIGNATURE_HEADER);
        if (attempt == null && sig == null) {
            return config.events().requireSignature() ? "unsigned record (no " + EventSignature.SIGNATURE_HEADER
                    + " header): rejected, it changes nothing" : null;
        }
        if (attempt == null || sig == null) {
            return "incomplete signature headers: rejected, it changes nothing";
        }
        String claimed = new String(attempt.value(), StandardCharsets.UTF_8);
        int slash = claimed.lastIndexOf('/');
        UUID job;
        int number;
        try {
            job = UUID.fromString(claimed.substring(0, Math.max(0, slash)));
            number = Integer.parseInt(claimed.substring(slash + 1));
        } catch (RuntimeException e) {
            return "malformed " + EventSignature.ATTEMPT_HEADER + " header: rejected, it changes nothing";
        }
        if (!EventSignature.verify(keys.attemptKey(job, number), r.key(), r.value(),
                new String(sig.value(), StandardCharsets.UTF_8))) {
            return "signature does not verify for attempt " + EventSignature.attemptId(job, number)
                    + ": rejected, it changes nothing";
        }
        return null;
    }

    /** A signed record may speak only for the attempt it is signed for, under its job's record key. */
    private static String misattributed(ConsumerRecord<String, byte[]> r, WorkerEvent e) {
        Header attempt = r.headers().lastHeader(EventSignature.ATTEMPT_HEADER);
        if (attempt == null) {
            return null;
        }
        String claimed = new String(attempt.value(), StandardCharsets.UTF_8);
        if (!claimed.equals(EventSignature.attemptId(e.jobId(), e.attempt())) || !e.jobId().toString().equals(r.key())) {
            return "event for " + EventSignature.attemptId(e.jobId(), e.attempt()) + " (record key " + r.key()
                    + ") signed for attempt " + claimed + ": rejected, it changes nothing";
        }
        return null;
    }

    /** Applies events; a failure that only this data causes is raised as a {@link RecordFailure}. */
    private void apply(List<WorkerEvent> events) {
        try {
            ingest.apply(events);
        } catch (RuntimeException e) {
            if (WriteFailure.of(e) == WriteFailure.RECORD) {
                throw new RecordFailure(e);
            }
            throw e;
        }
    }

    /** A batch failed because of one record's data (see {@link WriteFailure#RECORD}). */
    static final class RecordFailure extends RuntimeException {
        RecordFailure(Throwable cause) {
            super(cause.getMessage(), cause);
        }
    }

    private void stalled(RuntimeException e, int count, Duration backoff) {
        String why = WriteFailure.describe(e);
        failures.incrementAndGet();
        if (stalledSince == null) {
            stalledSince = Instant.now();
        }
        lastFailure = why;
        meters.counter("athanor_ingest_failures_total").increment();
        LOG.warnf("ingest of %d records failed, ingest paused, retrying in %d ms (nothing is dead-lettered, no offset "
                + "committed): %s", count, backoff.toMillis(), why);
    }

    private void recovered() {
        if (stalledSince != null) {
            LOG.infof("ingest resumed after %d s stalled", Duration.between(stalledSince, Instant.now()).toSeconds());
            stalledSince = null;
            lastFailure = null;
            failures.set(0);
        }
    }

    /** Since when ingest cannot store what it reads (null while it can). */
    public Instant stalledSince() {
        return stalledSince;
    }

    /** Why it is stalled (SQLState and message), null while it is not. */
    public String lastFailure() {
        return lastFailure;
    }

    /** Failed tries since ingest last stored a batch. */
    public int consecutiveFailures() {
        return failures.get();
    }

    private Future<?> deadLetter(KafkaProducer<String, byte[]> dlq, ConsumerRecord<String, byte[]> r, String reason) {
        ProducerRecord<String, byte[]> dead = new ProducerRecord<>(config.kafka().deadLetterTopic(), r.key(), r.value());
        r.headers().forEach(h -> dead.headers().add(h));
        dead.headers().add("athanor.dlq.reason", reason.getBytes(StandardCharsets.UTF_8));
        dead.headers().add("athanor.dlq.source", (r.topic() + "/" + r.partition() + "@" + r.offset())
                .getBytes(StandardCharsets.UTF_8));
        meters.counter("athanor_ingest_dead_letters_total").increment();
        LOG.warnf("dead-lettered %s/%d@%d: %s", r.topic(), r.partition(), r.offset(), reason);
        return dlq.send(dead);
    }

    private static final byte[] NUL_ESCAPE = "\\u0000".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] REPLACEMENT_ESCAPE = "\\ufffd".getBytes(StandardCharsets.US_ASCII);

    /** PostgreSQL text and jsonb cannot hold NUL: replace escaped NULs with U+FFFD before decoding. */
    static byte[] withoutNul(byte[] v) {
        if (v == null) {
            return null;
        }
        byte[] out = null;
        for (int i = 0; i + NUL_ESCAPE.length <= v.length; i++) {
            boolean match = true;
            for (int k = 0; k < NUL_ESCAPE.length; k++) {
                if (v[i + k] != NUL_ESCAPE[k]) {
                    match = false;
                    break;
                }
            }
            if (match) {
                if (out == null) {
                    out = v.clone();
                }
                System.arraycopy(REPLACEMENT_ESCAPE, 0, out, i, REPLACEMENT_ESCAPE.length);
            }
        }
        return out == null ? v : out;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<String, byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<String, byte[]>> rs = records.records(tp);
            offsets.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return offsets;
    }

    private static void rewind(KafkaConsumer<String, byte[]> c, ConsumerRecords<String, byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            c.seek(tp, records.records(tp).get(0).offset());
        }
    }

    private void pause(Duration d) {
        try {
            stopped.await(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Properties consumerProps(AthanorConfig.Kafka k) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, k.groupId());
        // Static membership: a restarted control plane takes its partitions back at once instead of waiting for
        // the dead member's session to expire, so recovery sees the events workers sent while it was down.
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, k.instanceId());
        p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 15_000);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, k.maxPollRecords());
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putAll(k.client());
        return p;
    }

    private static Properties producerProps(AthanorConfig.Kafka k) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, k.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(k.client());
        return p;
    }
}
