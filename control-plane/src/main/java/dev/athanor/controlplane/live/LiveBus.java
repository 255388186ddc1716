package dev.athanor.controlplane.live;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * In-process fan-out of committed job changes to live subscribers (Server-Sent Events). Publishers call it only
 * after their transaction committed, so a subscriber never sees something the database does not hold.
 */
@ApplicationScoped
public class LiveBus {

    /** One live message: an SSE event name and its JSON-serializable payload. */
    public record Message(UUID jobId, String event, Object data, boolean terminal) {
    }

    private final Map<UUID, Set<Consumer<Message>>> subscribers = new ConcurrentHashMap<>();

    public AutoCloseable subscribe(UUID jobId, Consumer<Message> listener) {
        subscribers.computeIfAbsent(jobId, k -> new CopyOnWriteArraySet<>()).add(listener);
        return () -> subscribers.computeIfPresent(jobId, (k, set) -> {
            set.remove(listener);
            return set.isEmpty() ? null : set;
        });
    }

    public void publish(Message m) {
        Set<Consumer<Message>> set = subscribers.get(m.jobId());
        if (set == null) {
            return;
        }
        for (Consumer<Message> c : set) {
            try {
                c.accept(m);
            } catch (RuntimeException ignored) {
                // a broken subscriber must not affect others; it unsubscribes itself on close
            }
        }
    }
}
