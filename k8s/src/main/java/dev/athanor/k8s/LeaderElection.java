package dev.athanor.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectorBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Leader election among control plane replicas with a {@code coordination.k8s.io/v1} Lease, around Fabric8's
 * {@link LeaderElector}. {@link #isLeader()} turns false the moment leadership is lost (before listeners run), so a
 * replica that lost the lease stops acting at once; it then rejoins the election as a follower unless closed.
 * Requires Fabric8 ≥ 7.7.0 (dual-leader fix): see {@code ADR-fabric8-version.md}.
 */
public final class LeaderElection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LeaderElection.class.getName());

    /** Told when this replica starts or stops leading. Called on the elector's thread; keep it short. */
    public interface Listener {
        void onStartLeading();

        void onStopLeading();

        default void onNewLeader(String identity) {
        }
    }

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String identity;
    private final Duration leaseDuration;
    private final Duration renewDeadline;
    private final Duration retryPeriod;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService executor;
    private volatile boolean leader;
    private volatile boolean closed;
    private volatile String currentLeader;
    private volatile CompletableFuture<?> running;

    /** Kubernetes' defaults for controllers: lease 15 s, renew deadline 10 s, retry 2 s. */
    public LeaderElection(KubernetesClient client, String namespace, String leaseName, String identity) {
        this(client, namespace, leaseName, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                Duration.ofSeconds(2));
    }

    public LeaderElection(KubernetesClient client, String namespace, String leaseName, String identity,
                          Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        this.client = Objects.requireNonNull(client);
        this.namespace = Objects.requireNonNull(namespace);
        this.leaseName = Objects.requireNonNull(leaseName);
        this.identity = Objects.requireNonNull(identity);
        this.leaseDuration = leaseDuration;
        this.renewDeadline = renewDeadline;
        this.retryPeriod = retryPeriod;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "athanor-leader-" + identity);
            t.setDaemon(true);
            return t;
        });
    }

    public LeaderElection addListener(Listener l) {
        listeners.add(l);
        return this;
    }

    /** Joins the election (non-blocking). */
    public synchronized LeaderElection start() {
        if (closed || running != null && !running.isDone()) {
            return this;
        }
        LeaderElector elector = new LeaderElectorBuilder(client, executor).withConfig(
                new LeaderElectionConfigBuilder()
                        .withName(leaseName)
                        .withLock(new LeaseLock(namespace, leaseName, identity))
                        .withLeaseDuration(leaseDuration)
                        .withRenewDeadline(renewDeadline)
                        .withRetryPeriod(retryPeriod)
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(new LeaderCallbacks(this::started, this::stopped, this::newLeader))
                        .build()).build();
        CompletableFuture<?> f = elector.start();
        running = f;
        f.whenComplete((v, e) -> {
            // The elector ends after losing leadership (or on error): step down, then rejoin as a follower.
            if (leader) {
                stopped();
            }
            if (!closed) {
                executor.execute(this::rejoin);
            }
        });
        return this;
    }

    private void rejoin() {
        try {
            Thread.sleep(retryPeriod.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (this) {
            if (!closed) {
                running = null;
                start();
            }
        }
    }

    private void started() {
        leader = true;
        LOG.log(System.Logger.Level.INFO, "{0} is now the leader (lease {1}/{2})", identity, namespace, leaseName);
        for (Listener l : listeners) {
            try {
                l.onStartLeading();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "leader listener failed", e);
            }
        }
    }

    private synchronized void stopped() {
        if (!leader) {
            return;
        }
        leader = false; // first: nobody may act on leadership from here on
        LOG.log(System.Logger.Level.WARNING, "{0} lost leadership of lease {1}/{2}", identity, namespace, leaseName);
        for (Listener l : listeners) {
            try {
                l.onStopLeading();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "leader listener failed", e);
            }
        }
    }

    private void newLeader(String id) {
        currentLeader = id;
        for (Listener l : listeners) {
            try {
                l.onNewLeader(id);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "leader listener failed", e);
            }
        }
    }

    /** Whether this replica holds the lease now. False from the instant leadership is lost. */
    public boolean isLeader() {
        return leader && !closed;
    }

    public String identity() {
        return identity;
    }

    /** The identity of the leader this replica last observed, or null. */
    public String currentLeader() {
        return currentLeader;
    }

    /** Leaves the election, releasing the lease if held (the next replica takes over without waiting). */
    @Override
    public void close() {
        CompletableFuture<?> f;
        synchronized (this) {
            closed = true;
            f = running;
        }
        if (f != null) {
            f.cancel(true);
        }
        stopped();
        executor.shutdown();
    }
}
