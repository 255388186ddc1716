package dev.athanor.controlplane.live;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * In-process fan-out of committed job changes to live subscribers (Server-Sent Events). Publishers call it only
 * after their transaction committed, so a subscriber never sees something the database does not hold.
 *
 * <p>{@link #publish} only appends to each subscriber's bounded buffer; delivery (serialisation, writing) happens on
 * the bus's own threads, as fast as each subscriber takes it. A buffer keeps only the latest progress message (a newer
 * one supersedes the older), never drops a log, artifact, metrics, state or terminal message, and a subscriber that
 * falls {@code athanor.live.buffer} messages behind is closed with a reason (it resumes from the REST endpoints).
 * Subscribing and closing are atomic per job, so no subscriber can end up in a set the bus no longer publishes to.
 */
@ApplicationScoped
public class LiveBus {

    /** One live message: an SSE event name and its JSON-serializable payload. */
    public record Message(UUID jobId, String event, Object data, boolean terminal) {
        /** Progress is a snapshot: a newer one makes an undelivered older one worthless. */
        boolean supersedable() {
            return !terminal && "progress".equals(event);
        }
    }

    /** Where a subscription delivers. */
    public interface Sink {
        /** Delivers {@code m}; returns false (keeping it) when the subscriber cannot take more now. */
        boolean offer(Message m);

        /** The subscriber fell too far behind: end its stream with this reason. */
        void close(String reason);
    }

    /** Too many live streams for one caller. */
    public static final class TooManyStreams extends RuntimeException {
        TooManyStreams(String message) {
            super(message);
        }
    }

    private final Map<UUID, Set<Subscription>> subscribers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> streams = new ConcurrentHashMap<>();
    private final ExecutorService delivery = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "athanor-live");
        t.setDaemon(true);
        return t;
    });
    private final int capacity;
    private final int maxStreamsPerCaller;

    public LiveBus(@ConfigProperty(name = "athanor.live.buffer", defaultValue = "256") int capacity,
                   @ConfigProperty(name = "athanor.live.max-streams-per-caller", defaultValue = "16")
                   int maxStreamsPerCaller) {
        this.capacity = Math.max(2, capacity);
        this.maxStreamsPerCaller = Math.max(1, maxStreamsPerCaller);
    }

    /** For CDI proxies only. */
    protected LiveBus() {
        this(256, 16);
    }

    @PreDestroy
    void shutdown() {
        delivery.shutdownNow();
    }

    /** Opens one live stream for {@code caller}; close the permit when the stream ends. */
    public AutoCloseable openStream(String caller) {
        AtomicInteger n = streams.computeIfAbsent(caller, k -> new AtomicInteger());
        if (n.incrementAndGet() > maxStreamsPerCaller) {
            n.decrementAndGet();
            throw new TooManyStreams("at most " + maxStreamsPerCaller + " live event streams per caller are open at once");
        }
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                streams.computeIfPresent(caller, (k, c) -> c.decrementAndGet() <= 0 ? null : c);
            }
        };
    }

    /** Streams currently open for {@code caller}. */
    public int openStreams(String caller) {
        AtomicInteger n = streams.get(caller);
        return n == null ? 0 : n.get();
    }

    public Subscription subscribe(UUID jobId, Sink sink) {
        Subscription s = new Subscription(jobId, sink);
        // Both the add and the removal run under the map's lock for this job: never into an orphaned set.
        subscribers.compute(jobId, (k, set) -> {
            Set<Subscription> out = set == null ? ConcurrentHashMap.newKeySet() : set;
            out.add(s);
            return out;
        });
        return s;
    }

    /** Subscribers of one job (for tests and metrics). */
    public int subscribers(UUID jobId) {
        Set<Subscription> set = subscribers.get(jobId);
        return set == null ? 0 : set.size();
    }

    public void publish(Message m) {
        Set<Subscription> set = subscribers.get(m.jobId());
        if (set == null) {
            return;
        }
        for (Subscription s : set) {
            s.push(m);
        }
    }

    /** One subscriber's bounded buffer and its delivery. */
    public final class Subscription implements AutoCloseable {
        private final UUID jobId;
        private final Sink sink;
        private final ArrayDeque<Message> queue = new ArrayDeque<>();
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private final AtomicInteger wakes = new AtomicInteger();
        private volatile boolean closed;
        private String overflow;

        Subscription(UUID jobId, Sink sink) {
            this.jobId = jobId;
            this.sink = sink;
        }

        /** Buffers {@code m} for delivery (also used for a stream's first message). */
        public void push(Message m) {
            if (closed) {
                return;
            }
            synchronized (this) {
                if (m.supersedable()) {
                    for (Iterator<Message> it = queue.iterator(); it.hasNext(); ) {
                        if (it.next().supersedable()) {
                            it.remove();
                        }
                    }
                }
                if (queue.size() >= capacity) {
                    overflow = "this client fell more than " + capacity + " events behind; the stream is closed. "
                            + "Read the job, its logs and metrics from the REST endpoints and reconnect.";
                    queue.clear();
                } else {
                    queue.add(m);
                }
            }
            wake();
        }

        /** Schedules delivery (call when the subscriber can take more). */
        public void wake() {
            wakes.incrementAndGet();
            if (!closed && scheduled.compareAndSet(false, true)) {
                try {
                    delivery.execute(this::drain);
                } catch (RuntimeException e) {
                    scheduled.set(false); // shutting down
                }
            }
        }

        private void drain() {
            int seen = wakes.get();
            try {
                while (!closed) {
                    String why;
                    Message next;
                    synchronized (this) {
                        why = overflow;
                        next = queue.peek();
                    }
                    if (why != null) {
                        close();
                        sink.close(why);
                        return;
                    }
                    if (next == null || !sink.offer(next)) {
                        break; // nothing to send, or the subscriber has no demand: a push or a request wakes us
                    }
                    synchronized (this) {
                        queue.poll();
                    }
                    if (next.terminal()) {
                        close();
                        return;
                    }
                }
            } catch (RuntimeException e) {
                close(); // a broken subscriber must not affect others
            } finally {
                scheduled.set(false);
            }
            if (!closed && wakes.get() != seen) {
                wake(); // woken while draining (a message or demand arrived): look again
            }
        }

        @Override
        public void close() {
            closed = true;
            subscribers.computeIfPresent(jobId, (k, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }
}
