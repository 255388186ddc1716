package dev.athanor.k8s;

import dev.athanor.common.job.Priority;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.Launcher;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The launcher port on Kubernetes: one pod per worker (plus a headless service for a gang), observed through a
 * {@link SharedIndexInformer} on Athanor's pods and reconciled on one thread from a de-duplicating {@link WorkQueue}.
 *
 * <ul>
 *   <li>Act: {@link #launch} creates the pods computed by {@link WorkerPodModel} (deterministic names; an existing pod
 *   is success), {@link #stop} deletes them with a grace period.</li>
 *   <li>Observe: informer events only enqueue attempt keys; cached pods are never modified.</li>
 *   <li>Reconcile: {@link PodStates} turns an attempt's pods into one verdict; a failed worker tears down the rest of
 *   its gang and one {@link AttemptExit} is reported. A periodic relist compares the API server with the cache so a
 *   missed event cannot strand an attempt.</li>
 * </ul>
 * A replica whose {@link KubernetesLauncherConfig#actingGate()} is false (not the leader) observes only.
 */
public final class KubernetesLauncher implements Launcher {
    private static final System.Logger LOG = System.getLogger(KubernetesLauncher.class.getName());
    static final String ATTEMPT_INDEX = "athanor-attempt";

    private final KubernetesClient client;
    private final KubernetesLauncherConfig config;
    private final WorkerPodModel model;
    private final PodOperator pods;
    private final ServiceOperator services;
    private final WorkQueue<AttemptKey> queue = new WorkQueue<>();
    private final Map<AttemptKey, Tracked> tracked = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timers;
    /** Pod creates when {@link KubernetesLauncherConfig#launchThreads()} &gt; 0; null: creates run in launch(). */
    private final java.util.concurrent.ExecutorService creates;
    private volatile Consumer<AttemptKey> createdListener = k -> { };
    private volatile Consumer<List<Pod>> launchingListener = p -> { };
    private final Thread reconciler;
    private SharedIndexInformer<Pod> informer;
    private volatile boolean recovered;
    private volatile boolean closed;

    private final Object listenerLock = new Object();
    private Consumer<AttemptExit> listener; // guarded by listenerLock
    private final List<AttemptExit> undelivered = new ArrayList<>(); // guarded by listenerLock
    private volatile Consumer<PendingReport> pendingListener = r -> { };

    /** Per-attempt bookkeeping of the reconciler. Never holds API objects it modifies. */
    static final class Tracked {
        final AttemptKey key;
        final Instant firstSeen;
        volatile int expected;
        /** Launched here, adopted by recover, or seen after recovery: the reconciler acts on it. */
        volatile boolean owned;
        /** Launched by this process (counts as active before the informer sees its pods). */
        volatile boolean launchedHere;
        volatile boolean stopRequested;
        volatile long stopGraceSeconds;
        volatile Instant reportedAt;
        volatile boolean silent;
        final Map<Integer, Pod> tombstones = new ConcurrentHashMap<>();
        final Map<String, String> waitReason = new ConcurrentHashMap<>();
        final Map<String, Instant> waitSince = new ConcurrentHashMap<>();
        final Map<Integer, String> lastPending = new ConcurrentHashMap<>();
        final Set<String> deleting = ConcurrentHashMap.newKeySet();

        Tracked(AttemptKey key, int expected, Instant firstSeen, boolean owned) {
            this.key = key;
            this.expected = expected;
            this.firstSeen = firstSeen;
            this.owned = owned;
        }
    }

    public KubernetesLauncher(KubernetesClient client, KubernetesLauncherConfig config) {
        this.client = Objects.requireNonNull(client);
        this.config = Objects.requireNonNull(config);
        this.model = new WorkerPodModel(config);
        this.pods = new PodOperator(client, config.namespace());
        this.services = new ServiceOperator(client, config.namespace());
        this.timers = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "athanor-k8s-resync");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger createThreads = new AtomicInteger();
        this.creates = config.launchThreads() <= 0 ? null : Executors.newFixedThreadPool(config.launchThreads(), r -> {
            Thread t = new Thread(r, "athanor-k8s-create-" + createThreads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.reconciler = new Thread(this::reconcileLoop, "athanor-k8s-reconcile");
        this.reconciler.setDaemon(true);
    }

    /**
     * Starts the informer (waits until its cache is synced), the reconcile thread and the periodic resync.
     *
     * @return this
     */
    public KubernetesLauncher start() {
        informer = client.pods().inNamespace(config.namespace()).withLabels(Labels.managed())
                .runnableInformer(0);
        informer.addIndexers(Map.of(ATTEMPT_INDEX, p -> {
            AttemptKey k = Labels.attemptOf(p);
            return k == null ? List.of() : List.of(indexKey(k));
        }));
        informer.addEventHandler(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod pod) {
                enqueue(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                enqueue(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean deletedFinalStateUnknown) {
                AttemptKey k = Labels.attemptOf(pod);
                if (k == null) {
                    return;
                }
                Tracked t = tracked.computeIfAbsent(k, kk -> new Tracked(kk, Labels.workersOf(pod), now(), recovered));
                int w = Labels.workerOf(pod);
                if (w >= 0) {
                    t.tombstones.put(w, pod);
                }
                queue.add(k);
            }
        });
        try {
            informer.start().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the pod informer", e);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            throw new IllegalStateException("pod informer did not sync: " + e.getMessage(), e);
        }
        reconciler.start();
        long tick = Math.max(200, Math.min(5_000, config.resyncPeriod().toMillis()));
        timers.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        long resync = Math.max(200, config.resyncPeriod().toMillis());
        timers.scheduleWithFixedDelay(this::resync, resync, resync, TimeUnit.MILLISECONDS);
        LOG.log(System.Logger.Level.INFO, "kubernetes launcher observing namespace {0}", config.namespace());
        return this;
    }

    static String indexKey(AttemptKey k) {
        return k.jobId() + "#" + k.attempt();
    }

    private void enqueue(Pod pod) {
        AttemptKey k = Labels.attemptOf(pod);
        if (k != null) {
            queue.add(k);
        }
    }

    private Instant now() {
        return config.clock().instant();
    }

    public KubernetesLauncherConfig config() {
        return config;
    }

    public WorkerPodModel model() {
        return model;
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    // ------------------------------------------------------------------------------------------------ act

    @Override
    public void launch(LaunchRequest request) throws LaunchException {
        launch(request, request.priority());
    }

    /** Launches with a job priority (mapped to a PriorityClass through the config). */
    public void launch(LaunchRequest request, Priority priority) throws LaunchException {
        if (closed) {
            throw new LaunchException("kubernetes launcher is closed", true, null);
        }
        if (!config.actingGate().getAsBoolean()) {
            throw new LaunchException("this control plane replica is not the leader", true, null);
        }
        AttemptKey key = request.key();
        Tracked existing = tracked.get(key);
        if (existing != null && existing.reportedAt != null) {
            LOG.log(System.Logger.Level.INFO, "attempt {0} already ended; not launching it again", key);
            return;
        }
        String team = request.job() == null ? null : request.job().team();
        if (!request.secretNames().isEmpty() && !dev.athanor.common.secret.SecretNames.valid(team)) {
            throw new LaunchException("attempt " + key + " names secrets but its team '" + team
                    + "' cannot own any (not a DNS label)", false, null);
        }
        List<Pod> desired = model.pods(request, priority);
        Service svc = model.service(request);
        Secret eventKey = model.eventKeySecret(request);
        Tracked t = tracked.compute(key, (k, old) -> {
            Tracked n = old != null ? old : new Tracked(k, desired.size(), now(), true);
            n.owned = true;
            n.launchedHere = true;
            n.expected = desired.size();
            return n;
        });
        // Told before any create: capacity views count these pods from now on, not only once informers see them.
        launchingListener.accept(desired);
        if (creates == null) {
            create(key, t, desired, svc, eventKey);
            return;
        }
        creates.execute(() -> {
            if (closed || !config.actingGate().getAsBoolean()) {
                // no longer the leader: the next one re-launches the recorded intent
                tracked.remove(key, t);
                return;
            }
            try {
                create(key, t, desired, svc, eventKey);
            } catch (LaunchException e) {
                LOG.log(System.Logger.Level.WARNING, "launch of {0} failed: {1}", key, e.getMessage());
                deliver(new AttemptExit(key, false, e.retryable() ? ExitReasons.EXIT_NOT_STARTED
                        : ExitReasons.EXIT_NOT_RETRYABLE, "LaunchFailed", e.getMessage(), List.of()));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "launch of " + key + " failed", e);
                tracked.remove(key, t);
                deliver(new AttemptExit(key, false, ExitReasons.EXIT_NOT_STARTED, "LaunchFailed",
                        String.valueOf(e.getMessage()), List.of()));
            }
        });
    }

    /**
     * Registers a callback told when all pods of an attempt have been created (after the API server accepted them,
     * before anything else happens). Used by the control plane's test-only crash points.
     */
    public void onLaunching(Consumer<List<Pod>> l) {
        launchingListener = l == null ? p -> { } : l;
    }

    public void onCreated(Consumer<AttemptKey> l) {
        createdListener = l == null ? k -> { } : l;
    }

    private void create(AttemptKey key, Tracked t, List<Pod> desired, Service svc, Secret eventKey)
            throws LaunchException {
        List<String> created = new ArrayList<>();
        try {
            if (eventKey != null) {
                createSecretIfAbsent(eventKey);
            }
            if (svc != null) {
                services.createIfAbsent(svc);
            }
            for (Pod p : desired) {
                Pod actual = pods.createIfAbsent(p);
                if (!key.equals(Labels.attemptOf(actual))) {
                    throw new LaunchException("pod " + p.getMetadata().getName()
                            + " exists and does not belong to attempt " + key, false, null);
                }
                created.add(p.getMetadata().getName());
            }
        } catch (KubernetesClientException e) {
            rollback(key, created, svc != null);
            tracked.remove(key, t);
            throw new LaunchException("attempt " + key + ": the API server refused a pod: " + describe(e),
                    retryable(e), e);
        } catch (LaunchException e) {
            rollback(key, created, svc != null);
            tracked.remove(key, t);
            throw e;
        }
        createdListener.accept(key);
        queue.add(key);
    }

    /** Creates the attempt's event-key Secret; an existing one (a re-launch: same derived key) is success. */
    private void createSecretIfAbsent(Secret secret) {
        try {
            client.secrets().inNamespace(config.namespace()).resource(secret).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != java.net.HttpURLConnection.HTTP_CONFLICT) {
                throw e;
            }
        }
    }

    private void deleteEventKey(AttemptKey key) {
        try {
            client.secrets().inNamespace(config.namespace()).withName(WorkerPodModel.eventKeySecretName(key)).delete();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "cannot delete the event key of {0} yet: {1}", key, e.getMessage());
        }
    }

    private void rollback(AttemptKey key, List<String> created, boolean service) {
        deleteEventKey(key);
        for (String name : created) {
            try {
                pods.delete(name, 0);
            } catch (RuntimeException ignored) {
                // the resync and recovery clean up what is left
            }
        }
        if (service) {
            try {
                services.delete(WorkerPodModel.serviceName(key));
            } catch (RuntimeException ignored) {
                // idem
            }
        }
    }

    static boolean retryable(KubernetesClientException e) {
        int c = e.getCode();
        if (c == 0 || c >= 500 || c == 429 || c == 409 || c == 408) {
            return true;
        }
        // ResourceQuota exhausted: capacity comes back
        return c == 403 && e.getMessage() != null && e.getMessage().contains("exceeded quota");
    }

    private static String describe(KubernetesClientException e) {
        String m = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                : e.getMessage();
        return (e.getCode() > 0 ? "HTTP " + e.getCode() + ": " : "") + m;
    }

    @Override
    public void stop(AttemptKey key, Duration grace) {
        long g = grace == null ? config.terminationGracePeriodSeconds() : Math.max(0, grace.toSeconds());
        Tracked t = tracked.computeIfAbsent(key, k -> new Tracked(k, 0, now(), true));
        t.owned = true;
        t.stopRequested = true;
        t.stopGraceSeconds = g;
        try {
            pods.deleteAll(Labels.attempt(key), g);
            services.deleteAll(Labels.attempt(key));
            deleteEventKey(key);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "stop of {0}: delete failed ({1}); the reconciler retries", key,
                    e.getMessage());
        }
        queue.add(key);
    }

    // ------------------------------------------------------------------------------------------------ observe

    @Override
    public Set<AttemptKey> active() {
        Set<AttemptKey> out = new HashSet<>();
        for (Tracked t : tracked.values()) {
            if (!t.owned || t.reportedAt != null) {
                continue;
            }
            if (t.launchedHere) {
                out.add(t.key);
                continue;
            }
            Map<Integer, Pod> current = cached(t.key);
            int expected = t.expected > 0 ? t.expected : current.size();
            if (!current.isEmpty() && current.size() >= expected) {
                out.add(t.key);
            }
        }
        return out;
    }

    /** Whether this launcher has reported the attempt's exit. */
    public boolean reported(AttemptKey key) {
        Tracked t = tracked.get(key);
        return t != null && t.reportedAt != null;
    }

    @Override
    public void onExit(Consumer<AttemptExit> l) {
        List<AttemptExit> backlog;
        synchronized (listenerLock) {
            listener = l;
            backlog = new ArrayList<>(undelivered);
            undelivered.clear();
        }
        backlog.forEach(l);
    }

    /** Registers the callback told why an attempt is still pending (Unschedulable, image pull backing off). */
    public void onPending(Consumer<PendingReport> l) {
        pendingListener = l == null ? r -> { } : l;
    }

    private void deliver(AttemptExit exit) {
        Consumer<AttemptExit> l;
        synchronized (listenerLock) {
            l = listener;
            if (l == null) {
                undelivered.add(exit);
                return;
            }
        }
        try {
            l.accept(exit);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "exit listener failed for " + exit.key(), e);
        }
    }

    /** The informer's pods of one attempt, by worker index. */
    Map<Integer, Pod> cached(AttemptKey key) {
        Map<Integer, Pod> m = new HashMap<>();
        if (informer == null) {
            return m;
        }
        for (Pod p : informer.getIndexer().byIndex(ATTEMPT_INDEX, indexKey(key))) {
            int w = Labels.workerOf(p);
            if (w >= 0) {
                m.put(w, p);
            }
        }
        return m;
    }

    /** All pods in the informer cache (read-only snapshots; never modify them). */
    public List<Pod> cachedPods() {
        return informer == null ? List.of() : informer.getStore().list();
    }

    // ------------------------------------------------------------------------------------------------ reconcile

    private void reconcileLoop() {
        while (!closed) {
            AttemptKey k;
            try {
                k = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (k == null) {
                continue;
            }
            try {
                reconcile(k, null);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "reconcile of " + k + " failed; will retry", e);
            }
        }
    }

    /** Re-evaluates every known attempt (time-based transitions: image pull bounds, lost pods, TTL). */
    private void tick() {
        if (closed) {
            return;
        }
        tracked.keySet().forEach(queue::add);
    }

    /**
     * Full resync: relist Athanor's pods from the API server and compare with the informer cache. Attempts whose
     * cache differs from the server are reconciled against the server's view; every known attempt is re-queued.
     */
    void resync() {
        if (closed || informer == null) {
            return;
        }
        List<Pod> listed;
        try {
            listed = pods.list(Labels.managed());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "resync: cannot list pods: {0}", e.getMessage());
            return;
        }
        Map<AttemptKey, Map<Integer, Pod>> server = new HashMap<>();
        for (Pod p : listed) {
            AttemptKey k = Labels.attemptOf(p);
            int w = Labels.workerOf(p);
            if (k != null && w >= 0) {
                server.computeIfAbsent(k, x -> new HashMap<>()).put(w, p);
            }
        }
        Set<AttemptKey> keys = new HashSet<>(server.keySet());
        keys.addAll(tracked.keySet());
        for (AttemptKey k : keys) {
            Map<Integer, Pod> fromServer = server.getOrDefault(k, Map.of());
            Map<Integer, Pod> fromCache = cached(k);
            if (!sameView(fromServer, fromCache)) {
                LOG.log(System.Logger.Level.WARNING,
                        "resync: informer cache differs from the API server for attempt {0}; using the server's view", k);
                Tracked t = tracked.get(k);
                if (t != null) {
                    // pods the cache still has but the server no longer has: deleted, with their last known state
                    fromCache.forEach((w, p) -> {
                        if (!fromServer.containsKey(w)) {
                            t.tombstones.putIfAbsent(w, p);
                        }
                    });
                }
                try {
                    reconcile(k, fromServer);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "resync reconcile of " + k + " failed", e);
                }
            } else {
                queue.add(k);
            }
        }
    }

    private static boolean sameView(Map<Integer, Pod> a, Map<Integer, Pod> b) {
        if (!a.keySet().equals(b.keySet())) {
            return false;
        }
        for (Map.Entry<Integer, Pod> e : a.entrySet()) {
            Pod other = b.get(e.getKey());
            String p1 = e.getValue().getStatus() == null ? null : e.getValue().getStatus().getPhase();
            String p2 = other.getStatus() == null ? null : other.getStatus().getPhase();
            if (!Objects.equals(p1, p2) || !Objects.equals(e.getValue().getMetadata().getUid(),
                    other.getMetadata().getUid())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reconciles one attempt: observe its pods (the cache, or {@code view} when the resync found the cache stale),
     * decide with {@link PodStates}, act (tear down a failed gang, report one exit, clean up after the TTL).
     */
    synchronized void reconcile(AttemptKey key, Map<Integer, Pod> view) {
        Map<Integer, Pod> current = view != null ? view : cached(key);
        Tracked t = tracked.get(key);
        if (t == null) {
            if (current.isEmpty()) {
                return;
            }
            int expected = current.values().stream().mapToInt(Labels::workersOf).max().orElse(-1);
            t = tracked.computeIfAbsent(key, k -> new Tracked(k, expected, now(), recovered));
        }
        if (!t.owned) {
            if (!recovered) {
                return; // before recovery, attempts left by a previous control plane are only observed
            }
            t.owned = true;
        }
        if (!config.actingGate().getAsBoolean()) {
            return;
        }
        Instant now = now();
        if (t.reportedAt != null) {
            cleanup(t, current, now);
            return;
        }
        if (t.expected <= 0) {
            t.expected = current.values().stream().mapToInt(Labels::workersOf).max()
                    .orElse(t.tombstones.values().stream().mapToInt(Labels::workersOf).max().orElse(0));
            if (t.expected <= 0) {
                int maxIndex = current.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1);
                t.expected = maxIndex + 1;
            }
        }
        for (Pod p : current.values()) {
            String name = p.getMetadata().getName();
            String reason = PodStates.waitingReason(p);
            if (reason == null) {
                t.waitReason.remove(name);
                t.waitSince.remove(name);
            } else if (!reason.equals(t.waitReason.get(name)) && !sameBackoff(reason, t.waitReason.get(name))) {
                t.waitReason.put(name, reason);
                t.waitSince.put(name, now);
            }
        }
        boolean pastGrace = !now.isBefore(t.firstSeen.plus(config.lostGrace()));
        PodStates.Context ctx = new PodStates.Context(now, config.imagePullGrace(), config.logTailLines(),
                t.stopRequested, false);
        PodStates.Verdict v = PodStates.attempt(key, Math.max(1, t.expected), current, t.tombstones, t.waitSince, ctx);
        if (!v.finished() && v.incomplete() && (pastGrace || t.stopRequested) && missingConfirmed(t, current)) {
            ctx = new PodStates.Context(now, config.imagePullGrace(), config.logTailLines(), t.stopRequested, true);
            v = PodStates.attempt(key, Math.max(1, t.expected), current, t.tombstones, t.waitSince, ctx);
        }
        if (t.stopRequested && !v.toDelete().isEmpty()) {
            deletePods(t, current, v.toDelete(), t.stopGraceSeconds);
        }
        if (v.finished()) {
            AttemptExit exit = v.exit();
            if (!t.stopRequested && !v.toDelete().isEmpty()) {
                deletePods(t, current, v.toDelete(), config.terminationGracePeriodSeconds());
            }
            if (!exit.succeeded() && exit.lastLines().isEmpty() && config.fetchLogs() && v.failedPod() != null
                    && config.logTailLines() > 0) {
                List<String> lines = pods.tailLog(v.failedPod(), config.logTailLines());
                if (!lines.isEmpty()) {
                    exit = new AttemptExit(exit.key(), exit.succeeded(), exit.exitCode(), exit.reason(),
                            exit.message(), lines);
                }
            }
            t.reportedAt = now;
            LOG.log(System.Logger.Level.INFO, "attempt {0} ended: {1} ({2})", key, exit.reason(), exit.message());
            if (!t.silent) {
                deliver(exit);
            }
            return;
        }
        for (PendingReport r : v.pending()) {
            String msg = r.reason() + ": " + r.message();
            if (!msg.equals(t.lastPending.put(r.worker(), msg))) {
                try {
                    pendingListener.accept(r);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "pending listener failed", e);
                }
            }
        }
    }

    /** ErrImagePull and ImagePullBackOff alternate while a pull keeps failing: one bounded wait, not two. */
    private static boolean sameBackoff(String a, String b) {
        Set<String> pull = Set.of("ErrImagePull", "ImagePullBackOff");
        return b != null && pull.contains(a) && pull.contains(b);
    }

    /** Checks with the API server (not the cache) that the pods missing from the view are really gone. */
    private boolean missingConfirmed(Tracked t, Map<Integer, Pod> current) {
        for (int i = 0; i < t.expected; i++) {
            if (current.containsKey(i) || t.tombstones.containsKey(i)) {
                continue;
            }
            try {
                if (pods.get(WorkerPodModel.podName(t.key, i)) != null) {
                    return false; // the cache is behind
                }
            } catch (RuntimeException e) {
                return false; // cannot tell: do not declare it lost
            }
        }
        return true;
    }

    private void deletePods(Tracked t, Map<Integer, Pod> current, List<String> names, long grace) {
        for (String name : names) {
            Pod p = current.values().stream().filter(x -> name.equals(x.getMetadata().getName())).findFirst()
                    .orElse(null);
            if (p != null && p.getMetadata().getDeletionTimestamp() != null && t.deleting.contains(name)) {
                continue;
            }
            try {
                pods.delete(name, grace);
                t.deleting.add(name);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot delete pod {0}: {1}", name, e.getMessage());
            }
        }
    }

    /** After the exit was reported: finish a gang teardown, and delete everything once the TTL has passed. */
    private void cleanup(Tracked t, Map<Integer, Pod> current, Instant now) {
        List<String> live = current.values().stream().filter(p -> !PodStates.terminal(p))
                .map(p -> p.getMetadata().getName()).toList();
        if (!live.isEmpty()) {
            deletePods(t, current, live, t.stopRequested ? t.stopGraceSeconds : config.terminationGracePeriodSeconds());
        }
        if (now.isBefore(t.reportedAt.plus(config.finishedPodTtl()))) {
            return;
        }
        if (!current.isEmpty()) {
            List<String> rest = current.values().stream().map(p -> p.getMetadata().getName())
                    .filter(n -> !t.deleting.contains(n) || live.contains(n)).toList();
            deletePods(t, current, rest, 0);
        }
        if (t.expected > 1 || t.tombstones.size() > 1) {
            try {
                services.delete(WorkerPodModel.serviceName(t.key));
            } catch (RuntimeException ignored) {
                // next tick
            }
        }
        if (current.isEmpty()) {
            deleteEventKey(t.key);
            tracked.remove(t.key, t);
        }
    }

    // ------------------------------------------------------------------------------------------------ recovery

    /**
     * After a restart (or on becoming leader): adopt Athanor's pods by label, report exits of attempts whose pods have
     * finished, and delete pods and services of attempts {@code alreadyFinished} says are done. From then on, pods of
     * attempts this launcher did not launch are adopted as they appear.
     */
    public KubernetesRecovery recover(Predicate<AttemptKey> alreadyFinished) {
        List<Pod> listed = pods.list(Labels.managed());
        Map<AttemptKey, Map<Integer, Pod>> byAttempt = new HashMap<>();
        for (Pod p : listed) {
            AttemptKey k = Labels.attemptOf(p);
            int w = Labels.workerOf(p);
            if (k != null && w >= 0) {
                byAttempt.computeIfAbsent(k, x -> new HashMap<>()).put(w, p);
            }
        }
        Set<AttemptKey> adopted = new HashSet<>();
        Set<AttemptKey> reported = new HashSet<>();
        Set<AttemptKey> cleaned = new HashSet<>();
        Instant now = now();
        synchronized (this) {
            for (Map.Entry<AttemptKey, Map<Integer, Pod>> e : byAttempt.entrySet()) {
                AttemptKey key = e.getKey();
                int expected = e.getValue().values().stream().mapToInt(Labels::workersOf).max().orElse(-1);
                if (alreadyFinished.test(key)) {
                    Tracked t = tracked.compute(key, (k, old) -> {
                        Tracked n = old != null ? old : new Tracked(k, expected, now, true);
                        n.owned = true;
                        n.silent = true;
                        n.reportedAt = now.minus(config.finishedPodTtl());
                        return n;
                    });
                    for (Pod p : e.getValue().values()) {
                        try {
                            pods.delete(p.getMetadata().getName(), PodStates.terminal(p) ? 0
                                    : config.terminationGracePeriodSeconds());
                            t.deleting.add(p.getMetadata().getName());
                        } catch (RuntimeException ex) {
                            LOG.log(System.Logger.Level.WARNING, "cannot delete orphan pod {0}: {1}",
                                    p.getMetadata().getName(), ex.getMessage());
                        }
                    }
                    cleaned.add(key);
                    continue;
                }
                Tracked t = tracked.compute(key, (k, old) -> {
                    Tracked n = old != null ? old : new Tracked(k, expected, now, true);
                    n.owned = true;
                    if (n.expected <= 0) {
                        n.expected = expected;
                    }
                    return n;
                });
                if (t.reportedAt != null) {
                    continue;
                }
                reconcile(key, e.getValue());
                if (t.reportedAt != null) {
                    reported.add(key);
                } else {
                    adopted.add(key);
                }
            }
            // services whose pods are all gone, of attempts that are finished
            try {
                for (Service s : client.services().inNamespace(config.namespace())
                        .withLabels(Labels.managed()).list().getItems()) {
                    AttemptKey k = Labels.attemptOf(s);
                    if (k != null && !byAttempt.containsKey(k) && alreadyFinished.test(k)) {
                        services.delete(s.getMetadata().getName());
                        cleaned.add(k);
                    }
                }
            } catch (RuntimeException ex) {
                LOG.log(System.Logger.Level.WARNING, "recovery: cannot list services: {0}", ex.getMessage());
            }
            recovered = true;
        }
        LOG.log(System.Logger.Level.INFO, "recovery: {0} adopted, {1} reported, {2} cleaned up", adopted.size(),
                reported.size(), cleaned.size());
        return new KubernetesRecovery(adopted, reported, cleaned);
    }

    /** Stops observing; pods keep running (a restarted control plane adopts them). */
    @Override
    public void close() {
        closed = true;
        queue.close();
        timers.shutdownNow();
        if (creates != null) {
            creates.shutdownNow();
        }
        reconciler.interrupt();
        if (informer != null) {
            informer.close();
        }
    }
}
