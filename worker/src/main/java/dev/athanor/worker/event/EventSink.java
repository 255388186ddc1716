package dev.athanor.worker.event;

import dev.athanor.common.event.WorkerEvent;

import java.time.Duration;

/**
 * Where a worker's events go: Kafka in production ({@link KafkaEventSink}), a JSON-lines file for process-level tests
 * ({@link FileEventSink}), memory for unit tests ({@link InMemoryEventSink}).
 *
 * <p>Implementations keep the order of {@link #send} calls. A sink that can no longer deliver throws
 * {@link EventSinkException} from {@link #send} or {@link #flush}.
 */
public interface EventSink extends AutoCloseable {

    /** Hands one event over for delivery; may return before it is delivered. */
    void send(WorkerEvent event);

    /**
     * Waits until everything sent so far is delivered, at most {@code timeout}.
     *
     * @return true if everything was delivered in time
     * @throws EventSinkException if a delivery failed
     */
    boolean flush(Duration timeout);

    /** Flushes (bounded by {@code timeout}) and releases resources. Never throws. */
    void close(Duration timeout);

    /** A short description for log lines, e.g. {@code kafka localhost:9092 topic athanor.worker-events}. */
    String describe();

    @Override
    default void close() {
        close(Duration.ofSeconds(5));
    }
}
