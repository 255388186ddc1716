package dev.athanor.worker.event;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventSignature;
import dev.athanor.common.event.WorkerEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends events to Kafka with an idempotent producer ({@code acks=all}), keyed by job id so one job's events stay in
 * order on one partition. A broker outage does not stop the worker: events wait in the producer's bounded buffer
 * ({@code buffer.memory}) and are retried for up to {@code delivery.timeout.ms} (10 minutes by default). An event the
 * producer gave up on is counted ({@link #undelivered()}) and later events are still sent; the worker says so when it
 * exits.
 */
public final class KafkaEventSink implements EventSink {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final String key;
    private final String bootstrap;
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final AtomicLong undelivered = new AtomicLong();
    private volatile Future<RecordMetadata> last;
    private final byte[] eventKey;
    private final long maxBlockMs;
    private final long deliveryTimeoutMs;

    /**
     * @param settings bounded timeouts and extra producer properties (e.g. security.protocol, sasl.*)
     */
    public KafkaEventSink(String bootstrap, String topic, String key, String clientId, Settings settings) {
        this(bootstrap, topic, key, clientId, settings, null);
    }

    /**
     * @param eventKey the attempt's event-signing key ({@code ATHANOR_EVENT_KEY}, ADR 0012); every record is signed
     *                 with it. Null sends unsigned records (a control plane that requires signatures dead-letters them).
     */
    public KafkaEventSink(String bootstrap, String topic, String key, String clientId, Settings settings,
                          byte[] eventKey) {
        this.eventKey = eventKey == null ? null : eventKey.clone();
        this.topic = topic;
        this.key = key;
        this.bootstrap = bootstrap;
        this.maxBlockMs = settings.maxBlockMs();
        this.deliveryTimeoutMs = settings.deliveryTimeoutMs();
        this.producer = new KafkaProducer<>(properties(bootstrap, clientId, settings));
    }

    static Properties properties(String bootstrap, String clientId, Settings s) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(s.maxBlockMs()));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(s.bufferBytes()));
        long request = Math.max(1000, Math.min(30_000, s.deliveryTimeoutMs() - 10));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(request));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(s.deliveryTimeoutMs(), request + 5)));
        p.putAll(s.extra());
        return p;
    }

    @Override
    public void send(WorkerEvent event) {
        try {
            byte[] value = EventCodec.encode(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            if (eventKey != null) {
                record.headers().add(EventSignature.ATTEMPT_HEADER, EventSignature.attemptId(event.jobId(),
                        event.attempt()).getBytes(StandardCharsets.UTF_8));
                record.headers().add(EventSignature.SIGNATURE_HEADER, EventSignature.sign(eventKey, key, value)
                        .getBytes(StandardCharsets.UTF_8));
            }
            last = sendWithinTheDeliveryTimeout(record);
        } catch (RuntimeException e) {
            // the broker stayed unreachable (or the buffer full) for longer than the delivery timeout, or the event
            // cannot be serialized: this event is lost and counted, the worker goes on
            lost(e);
            last = null;
            lastFailed = true;
        }
    }

    private volatile boolean lastFailed;
    /** Since when {@code send} has been failing to get metadata or buffer space (0: it is not). */
    private volatile long unreachableSinceNanos;

    /**
     * {@code producer.send} gives up after {@code max.block.ms} when it has no metadata for the topic (the broker is
     * down long enough for the client to forget it) or no buffer space; it then fails the record at once, calling
     * back on the calling thread. Inside the delivery timeout that is not a reason to drop an event: this blocks the
     * caller and tries again, so an outage shorter than the delivery timeout loses nothing, whether the events were
     * already buffered or not. Once the broker has been unreachable for longer than that, each event gets one try,
     * so a dead broker never hangs the worker for more than one {@code max.block.ms} per event.
     */
    private Future<RecordMetadata> sendWithinTheDeliveryTimeout(ProducerRecord<String, byte[]> record) {
        Thread caller = Thread.currentThread();
        while (true) {
            AtomicReference<Exception> atOnce = new AtomicReference<>();
            Future<RecordMetadata> f = producer.send(record, (md, ex) -> {
                if (ex == null) {
                    return;
                }
                if (Thread.currentThread() == caller && atOnce.compareAndSet(null, ex)) {
                    return; // failed inside send itself: decided below
                }
                lost(ex);
            });
            Exception ex = atOnce.get();
            if (!(ex instanceof org.apache.kafka.common.errors.TimeoutException)) {
                if (ex != null) {
                    lost(ex);
                }
                unreachableSinceNanos = 0;
                return f;
            }
            long now = System.nanoTime();
            long since = unreachableSinceNanos;
            if (since == 0) {
                since = now - TimeUnit.MILLISECONDS.toNanos(maxBlockMs);
                unreachableSinceNanos = since;
            }
            if (now - since >= TimeUnit.MILLISECONDS.toNanos(deliveryTimeoutMs)) {
                lost(ex);
                return f;
            }
        }
    }

    private void lost(Exception ex) {
        undelivered.incrementAndGet();
        firstFailure.compareAndSet(null, ex);
    }

    @Override
    public boolean flush(Duration timeout) {
        Future<RecordMetadata> f = last;
        if (f == null) {
            return !lastFailed;
        }
        try {
            f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            return false;
        }
    }

    @Override
    public long undelivered() {
        return undelivered.get();
    }

    @Override
    public String lossReason() {
        Exception ex = firstFailure.get();
        return ex == null ? null : "cannot deliver events to Kafka at " + bootstrap + " (topic " + topic + "): "
                + ex.getClass().getSimpleName() + ": " + ex.getMessage();
    }

    @Override
    public void close(Duration timeout) {
        try {
            producer.close(timeout);
        } catch (RuntimeException ignored) {
            // closing is best effort
        }
    }

    @Override
    public String describe() {
        return "kafka " + bootstrap + " topic " + topic;
    }

    /**
     * Producer bounds and extra properties.
     *
     * @param maxBlockMs        how long {@code send} may block waiting for metadata or buffer space
     * @param deliveryTimeoutMs how long a record may take to be acknowledged, retries included (how long an outage
     *                          the worker rides out)
     * @param bufferBytes       the producer's buffer ({@code buffer.memory}) for events not acknowledged yet
     * @param extra             further producer properties, e.g. from {@code ATHANOR_KAFKA_CONFIG_*}
     */
    public record Settings(long maxBlockMs, long deliveryTimeoutMs, long bufferBytes, Map<String, String> extra) {
        public static final long DEFAULT_MAX_BLOCK_MS = 60_000;
        public static final long DEFAULT_DELIVERY_TIMEOUT_MS = 600_000;
        public static final long DEFAULT_BUFFER_BYTES = 32L * 1024 * 1024;
        public static final Settings DEFAULT = new Settings(DEFAULT_MAX_BLOCK_MS, DEFAULT_DELIVERY_TIMEOUT_MS,
                DEFAULT_BUFFER_BYTES, Map.of());

        public Settings {
            extra = extra == null ? Map.of() : Map.copyOf(extra);
        }
    }
}
