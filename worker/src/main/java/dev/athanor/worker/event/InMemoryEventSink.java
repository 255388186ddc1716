package dev.athanor.worker.event;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.EventType;
import dev.athanor.common.event.WorkerEvent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps events in memory, in send order, for unit tests. Each event is round-tripped through {@link EventCodec} so a
 * test also proves the event is valid on the wire.
 */
public final class InMemoryEventSink implements EventSink {
    private final List<WorkerEvent> events = new ArrayList<>();

    @Override
    public synchronized void send(WorkerEvent event) {
        events.add(EventCodec.decode(EventCodec.encode(event)));
    }

    @Override
    public boolean flush(Duration timeout) {
        return true;
    }

    @Override
    public void close(Duration timeout) {
    }

    @Override
    public String describe() {
        return "memory";
    }

    /** A snapshot of everything sent so far. */
    public synchronized List<WorkerEvent> events() {
        return List.copyOf(events);
    }

    /** The payloads of one type, in order. */
    public synchronized <T extends WorkerEvent.Payload> List<T> payloads(Class<T> type) {
        List<T> out = new ArrayList<>();
        for (WorkerEvent e : events) {
            if (type.isInstance(e.payload())) {
                out.add(type.cast(e.payload()));
            }
        }
        return out;
    }

    public synchronized List<WorkerEvent> ofType(EventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }
}
