package dev.athanor.worker.event;

import dev.athanor.common.event.WorkerEvent;

import java.time.Duration;

/**
 * Where a worker's events go: Kafka in production ({@link KafkaEventSink}), a JSON-lines file for process-level tests
 * ({@link FileEventSink}), memory for unit tests ({@link InMemoryEventSink}).
 *
 * <p>Implementations keep the order of {@link #send} calls. A sink that cannot write at all (a file sink) throws
 * {@link EventSinkException} from {@link #send}; a sink that rides out outages (Kafka) counts the events it finally
 * gave up on ({@link #undelivered()}) and goes on.
 */
public interface EventSink extends AutoCloseable {

    /** Hands one event over for delivery; may return before it is delivered. */
    void send(WorkerEvent event);

    /**
     * Waits until everything sent so far is delivered, at most {@code timeout}.
     *
     * @return true if the last event sent was delivered in time (false: not yet, or given up on)
     */
    boolean flush(Duration timeout);

    /** How many events this sink gave up delivering so far. */
    default long undelivered() {
        return 0;
    }

    /** Why the first undelivered event was given up on (null while none was). */
    default String lossReason() {
        return null;
    }

    /** Flushes (bounded by {@code timeout}) and releases resources. Never throws. */
    void close(Duration timeout);

    /** A short description for log lines, e.g. {@code kafka localhost:9092 topic athanor.worker-events}. */
    String describe();

    @Override
    default void close() {
        close(Duration.ofSeconds(5));
    }
}
