package dev.athanor.controlplane.live;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Defect 14: bounded per-subscriber buffers (superseded progress dropped, logs and terminal messages never), a
 * too-slow subscriber closed with a reason, delivery off the publishing thread, a per-caller stream limit, and
 * subscribe/close that never leaves a subscriber in an orphaned set.
 */
class LiveBusTest {

    /** A sink that records what it got and takes messages only while {@code demand} is set. */
    static final class Recorder implements LiveBus.Sink {
        final List<LiveBus.Message> got = new CopyOnWriteArrayList<>();
        final List<String> threads = new CopyOnWriteArrayList<>();
        final AtomicBoolean demand = new AtomicBoolean(true);
        final AtomicReference<String> closed = new AtomicReference<>();

        @Override
        public boolean offer(LiveBus.Message m) {
            if (!demand.get()) {
                return false;
            }
            threads.add(Thread.currentThread().getName());
            got.add(m);
            return true;
        }

        @Override
        public void close(String reason) {
            closed.set(reason);
        }
    }

    static LiveBus.Message progress(UUID job, long step) {
        return new LiveBus.Message(job, "progress", step, false);
    }

    @Test
    void concurrentSubscribeAndCloseNeverOrphanASubscriberThatMustHearTheTerminalEvent() throws Exception {
        LiveBus bus = new LiveBus(64, 1000);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 300; round++) {
                UUID job = UUID.randomUUID();
                CountDownLatch go = new CountDownLatch(1);
                Recorder survivor = new Recorder();
                List<Future<?>> churn = new java.util.ArrayList<>();
                for (int t = 0; t < 3; t++) {
                    churn.add(pool.submit(() -> {
                        go.await();
                        for (int i = 0; i < 50; i++) {
                            bus.subscribe(job, new Recorder()).close();
                        }
                        return null;
                    }));
                }
                Future<LiveBus.Subscription> s = pool.submit(() -> {
                    go.await();
                    return bus.subscribe(job, survivor);
                });
                go.countDown();
                s.get(10, TimeUnit.SECONDS);
                for (Future<?> f : churn) {
                    f.get(10, TimeUnit.SECONDS);
                }
                assertThat(bus.subscribers(job)).as("round %d: the survivor is still subscribed", round).isEqualTo(1);
                bus.publish(new LiveBus.Message(job, "state", "SUCCEEDED", true));
                await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(5))
                        .until(() -> survivor.got.size() == 1 && bus.subscribers(job) == 0);
            }
        } finally {
            pool.shutdownNow();
            bus.shutdown();
        }
    }

    @Test
    void aSlowSubscriberKeepsOnlyTheLatestProgressButEveryLogAndTheTerminalEvent() {
        LiveBus bus = new LiveBus(8, 4);
        UUID job = UUID.randomUUID();
        Recorder slow = new Recorder();
        slow.demand.set(false);
        LiveBus.Subscription sub = bus.subscribe(job, slow);
        for (int i = 1; i <= 1000; i++) {
            bus.publish(progress(job, i));
        }
        bus.publish(new LiveBus.Message(job, "log", "line 1", false));
        bus.publish(progress(job, 1001));
        bus.publish(new LiveBus.Message(job, "log", "line 2", false));
        bus.publish(new LiveBus.Message(job, "state", "SUCCEEDED", true));
        slow.demand.set(true);
        sub.wake();
        await().atMost(Duration.ofSeconds(5)).until(() -> slow.got.size() == 4);
        assertThat(slow.got).extracting(LiveBus.Message::data).containsExactly("line 1", 1001L, "line 2", "SUCCEEDED");
        assertThat(slow.closed.get()).isNull();
        assertThat(slow.threads).allMatch(t -> t.equals("athanor-live"));
        bus.shutdown();
    }

    @Test
    void aSubscriberThatFallsTooFarBehindIsClosedWithAReason() {
        LiveBus bus = new LiveBus(8, 4);
        UUID job = UUID.randomUUID();
        Recorder stuck = new Recorder();
        stuck.demand.set(false);
        bus.subscribe(job, stuck);
        for (int i = 0; i < 9; i++) {
            bus.publish(new LiveBus.Message(job, "log", "line " + i, false));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> stuck.closed.get() != null);
        assertThat(stuck.closed.get()).contains("fell more than 8 events behind").contains("REST endpoints");
        assertThat(bus.subscribers(job)).isZero();
        bus.shutdown();
    }

    @Test
    void eachCallerHasABoundedNumberOfStreams() throws Exception {
        LiveBus bus = new LiveBus(8, 2);
        AutoCloseable a = bus.openStream("alice");
        bus.openStream("alice");
        assertThatThrownBy(() -> bus.openStream("alice")).isInstanceOf(LiveBus.TooManyStreams.class)
                .hasMessageContaining("at most 2");
        bus.openStream("bob").close();
        a.close();
        a.close(); // idempotent
        assertThat(bus.openStreams("alice")).isEqualTo(1);
        bus.openStream("alice");
        bus.shutdown();
    }
}
