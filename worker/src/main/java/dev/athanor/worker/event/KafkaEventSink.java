package dev.athanor.worker.event;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.WorkerEvent;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends events to Kafka with an idempotent producer ({@code acks=all}), keyed by job id so one job's events stay in
 * order on one partition. Both blocking ({@code max.block.ms}) and delivery ({@code delivery.timeout.ms}) are bounded,
 * so an unreachable broker ends in an {@link EventSinkException} instead of a hang.
 */
public final class KafkaEventSink implements EventSink {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final String key;
    private final String bootstrap;
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private volatile Future<RecordMetadata> last;

    /**
     * @param settings bounded timeouts and extra producer properties (e.g. security.protocol, sasl.*)
     */
    public KafkaEventSink(String bootstrap, String topic, String key, String clientId, Settings settings) {
        this.topic = topic;
        this.key = key;
        this.bootstrap = bootstrap;
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
        long request = Math.max(1000, Math.min(30_000, s.deliveryTimeoutMs() - 10));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(request));
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(Math.max(s.deliveryTimeoutMs(), request + 5)));
        p.putAll(s.extra());
        return p;
    }

    @Override
    public void send(WorkerEvent event) {
        rethrowFailure();
        last = producer.send(new ProducerRecord<>(topic, key, EventCodec.encode(event)), (md, ex) -> {
            if (ex != null) {
                failure.compareAndSet(null, ex);
            }
        });
    }

    @Override
    public boolean flush(Duration timeout) {
        Future<RecordMetadata> f = last;
        if (f != null) {
            try {
                f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (ExecutionException e) {
                failure.compareAndSet(null, e.getCause() instanceof Exception c ? c : e);
            }
        }
        rethrowFailure();
        return true;
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

    private void rethrowFailure() {
        Exception ex = failure.get();
        if (ex != null) {
            throw new EventSinkException("cannot deliver events to Kafka at " + bootstrap + " (topic " + topic + "): "
                    + ex.getClass().getSimpleName() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Producer bounds and extra properties.
     *
     * @param maxBlockMs        how long {@code send} may block waiting for metadata
     * @param deliveryTimeoutMs how long a record may take to be acknowledged, retries included
     * @param extra             further producer properties, e.g. from {@code ATHANOR_KAFKA_CONFIG_*}
     */
    public record Settings(long maxBlockMs, long deliveryTimeoutMs, Map<String, String> extra) {
        public static final Settings DEFAULT = new Settings(15_000, 60_000, Map.of());

        public Settings {
            extra = extra == null ? Map.of() : Map.copyOf(extra);
        }
    }
}
