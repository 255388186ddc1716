package dev.athanor.clusterit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.embedded.Api;
import dev.athanor.embedded.RepoLayout;
import dev.athanor.k8s.KubernetesLauncherConfig;
import dev.athanor.k8s.WorkerPodModel;
import dev.athanor.k8s.cluster.ClusterBinaries;
import dev.athanor.k8s.cluster.LocalCluster;
import dev.athanor.k8s.cluster.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * {@code athanor bench dispatch}: pods created per second through Athanor (job submitted over the REST API → the
 * control plane records it, admits it, records the intent and creates the pod on the API server) against a raw
 * Fabric8 create loop of the same pods at the same concurrency on the same API server in the same run; plus the
 * submit → pod created and submit → pod bound (by kube-scheduler) latencies. Real etcd + kube-apiserver +
 * kube-scheduler, simulated GPU nodes (nothing runs the pods), embedded PostgreSQL and Kafka, the control plane as a
 * child JVM. Prints figures and, as the last line, one JSON object.
 */
@Command(name = "dispatch", mixinStandardHelpOptions = true,
        description = "Pod creation through Athanor vs a raw Fabric8 create loop on the same real API server.")
public final class DispatchBench implements Callable<Integer> {
    static final double TARGET_RATIO = 0.8;
    static final String GPU_TYPE = "bench";

    @Option(names = "--jobs", defaultValue = "2000", description = "Single-GPU jobs (and raw pods) measured (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--teams", defaultValue = "20", description = "Teams the jobs are spread over (default: ${DEFAULT-VALUE}).")
    int teams;

    @Option(names = "--nodes", defaultValue = "250", description = "Simulated GPU nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--gpus-per-node", defaultValue = "8", description = "GPUs per node (default: ${DEFAULT-VALUE}).")
    int gpusPerNode;

    @Option(names = "--raw-clients", defaultValue = "8",
            description = "Fabric8 clients the raw create loop spreads its threads over (default: ${DEFAULT-VALUE}).")
    int rawClients;

    @Option(names = "--concurrency", defaultValue = "16",
            description = "Concurrent HTTP submitters, and concurrent raw create threads (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--warmup", defaultValue = "100", description = "Warm-up jobs / raw pods per side, not measured (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--max-seconds", defaultValue = "600", description = "Upper bound per measured phase (default: ${DEFAULT-VALUE}).")
    int maxSeconds;

    @Option(names = "--dir", description = "Work directory (default: a temporary one, deleted afterwards).")
    Path dir;

    public static void main(String[] args) {
        // Kafka and zonky log at INFO through slf4j-simple: keep the figures readable
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel",
                System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
        System.exit(new CommandLine(new DispatchBench()).execute(args));
    }

    /** Watches the namespace: when each pod was first seen, and first seen bound to a node (System.nanoTime()). */
    static final class PodClock {
        final Map<String, Long> created = new ConcurrentHashMap<>();
        final Map<String, Long> bound = new ConcurrentHashMap<>();
        final SharedIndexInformer<Pod> informer;

        PodClock(KubernetesClient client) {
            informer = client.pods().inNamespace(ClusterStack.NAMESPACE).inform(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod p) {
                    seen(p);
                }

                @Override
                public void onUpdate(Pod o, Pod p) {
                    seen(p);
                }

                @Override
                public void onDelete(Pod p, boolean unknown) {
                }
            }, 0);
        }

        void seen(Pod p) {
            long now = System.nanoTime();
            String key = key(p);
            created.putIfAbsent(key, now);
            if (p.getSpec().getNodeName() != null && !p.getSpec().getNodeName().isEmpty()) {
                bound.putIfAbsent(key, now);
            }
        }

        /** The job id for Athanor's pods, the pod name for raw ones. */
        static String key(Pod p) {
            String job = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get("athanor.dev/job");
            String bench = p.getMetadata().getLabels() == null ? null : p.getMetadata().getLabels().get("bench");
            return "raw".equals(bench) ? p.getMetadata().getName() : job;
        }
    }

    /** One measured side. */
    record Side(int pods, double seconds, long[] createdNanos, long[] boundNanos) {
        double perSecond() {
            return seconds > 0 ? pods / seconds : 0;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pods", pods);
            m.put("seconds", round(seconds, 3));
            m.put("pods_per_s", round(perSecond(), 1));
            m.put("created_p50_ms", round(pct(createdNanos, 50), 1));
            m.put("created_p99_ms", round(pct(createdNanos, 99), 1));
            m.put("bound_p50_ms", round(pct(boundNanos, 50), 1));
            m.put("bound_p99_ms", round(pct(boundNanos, 99), 1));
            return m;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (LocalCluster.binaries() == null) {
            System.err.println("error: the Kubernetes binaries " + LocalCluster.VERSION + " are missing from "
                    + ClusterBinaries.location(LocalCluster.VERSION)
                    + ": run k8s-cluster/build.sh (about 12 min the first time on 2 cores)");
            return 3;
        }
        RepoLayout repo = RepoLayout.detect();
        Path cp = RepoLayout.require(repo.controlPlaneJar(), "the control plane (quarkus-run.jar)", "control-plane");
        boolean temp = dir == null;
        Path d = temp ? Files.createTempDirectory("athanor-bench-dispatch-") : dir.toAbsolutePath();
        int warmNodes = (warmup + gpusPerNode - 1) / gpusPerNode;
        out.printf(Locale.ROOT, "Starting a real API server and scheduler, PostgreSQL and Kafka (dir %s)%n", d);
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        String opts = System.getenv("ATHANOR_CONTROL_PLANE_JAVA_OPTS");
        if (opts != null && !opts.isBlank()) {
            jvm.addAll(Arrays.asList(opts.trim().split("\\s+")));
        }
        Map<String, Object> result;
        try (ClusterStack stack = ClusterStack.start(new ClusterStack.Options(d, cp, repo.workerJar(), false, jvm,
                Duration.ofSeconds(15)), out)) {
            long t = System.nanoTime();
            registerNodes(stack, nodes + warmNodes);
            out.printf(Locale.ROOT, "  %d nodes × %d GPUs (type %s) registered in %.1f s%n", nodes + warmNodes,
                    gpusPerNode, GPU_TYPE, ClusterStack.secs(t));
            result = run(stack, out);
        } finally {
            if (temp) {
                LocalCluster.deleteTree(d);
            }
        }
        out.println(Api.JSON.writeValueAsString(result));
        return 0;
    }

    Map<String, Object> run(ClusterStack stack, PrintStream out) throws Exception {
        KubernetesLauncherConfig cfg = KubernetesLauncherConfig.builder(ClusterStack.NAMESPACE,
                "ghcr.io/athanor/worker:test").build();
        WorkerPodModel model = new WorkerPodModel(cfg);
        PodClock clock = new PodClock(stack.cluster().newClient());
        try {
            // 1. raw: the pods Athanor would create for the same jobs, straight through Fabric8, before any control
            // plane runs (its informer would otherwise adopt pods labelled as Athanor's)
            List<KubernetesClient> clients = new ArrayList<>();
            for (int i = 0; i < Math.max(1, Math.min(concurrency, rawClients)); i++) {
                clients.add(stack.cluster().newClient());
            }
            out.printf(Locale.ROOT, "%nWarm-up: %d raw pod creates (concurrency %d)%n", warmup, concurrency);
            rawPhase(clients, model, "warm", warmup, clock);
            deleteAll(stack);
            out.printf(Locale.ROOT, "Measuring: %d raw Fabric8 pod creates (concurrency %d)...%n", jobs, concurrency);
            Side raw = rawPhase(clients, model, "raw", jobs, clock);
            clients.forEach(KubernetesClient::close);
            deleteAll(stack);

            // 2. Athanor: one control plane replica (the Lease holder), jobs over the REST API
            long t = System.nanoTime();
            // The control plane creates pods on as many threads as the raw loop uses: the same concurrency.
            ClusterStack.Replica cp = stack.startReplica("bench-0",
                    Map.of("ATHANOR_KUBERNETES_LAUNCH_THREADS", Integer.toString(concurrency)));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!"bench-0".equals(holder(stack)) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            out.printf(Locale.ROOT, "  control plane ready and leader in %.1f s (log %s)%n", ClusterStack.secs(t),
                    cp.process().log());
            List<String> teamNames = new ArrayList<>();
            for (int i = 0; i < teams; i++) {
                teamNames.add(team(i));
            }
            ClusterStack.ensureTeams(cp.api(), teamNames);
            out.printf(Locale.ROOT, "Warm-up: %d jobs through Athanor%n", warmup);
            athanorPhase(cp.api(), "warm", warmup, clock);
            out.printf(Locale.ROOT, "Measuring: %d single-GPU jobs across %d teams over HTTP (concurrency %d)...%n",
                    jobs, teams, concurrency);
            Side ath = athanorPhase(cp.api(), "b", jobs, clock);
            return report(raw, ath, out);
        } finally {
            clock.informer.close();
        }
    }

    private static String holder(ClusterStack stack) {
        var l = stack.client().leases().inNamespace(ClusterStack.NAMESPACE).withName("athanor-control-plane").get();
        return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    }

    private void registerNodes(ClusterStack stack, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String name = String.format(Locale.ROOT, "bench-%04d", i);
                fs.add(pool.submit(() -> {
                    SimulatedKubelet.registerNode(stack.client(), name, GPU_TYPE, gpusPerNode);
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    private static void deleteAll(ClusterStack stack) throws InterruptedException {
        KubernetesClient c = stack.client();
        c.pods().inNamespace(ClusterStack.NAMESPACE).withGracePeriod(0).delete();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!c.pods().inNamespace(ClusterStack.NAMESPACE).list().getItems().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
    }

    private static LaunchRequest request(int i, String team) {
        AttemptKey key = new AttemptKey(UUID.randomUUID(), 1);
        Resources r = new Resources(1, 1, GPU_TYPE, 1.0, "1Gi");
        ObjectNode spec = JsonNodeFactory.instance.objectNode().put("dataset", "train/labels.jsonl")
                .put("outputDir", "model").put("numTrainEpochs", 1);
        return new LaunchRequest(key, new WorkerJob(key.jobId(), 1, 0, "raw-" + i, team, JobKind.FINE_TUNE, r, spec),
                r, List.of(), Duration.ZERO, null);
    }

    Side rawPhase(List<KubernetesClient> clients, WorkerPodModel model, String tag, int n, PodClock clock)
            throws Exception {
        List<Pod> pods = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Pod p = model.pods(request(i, team(i)), Priority.NORMAL).get(0);
            p.getMetadata().getLabels().put("bench", "raw");
            p.getMetadata().setName(tag + "-" + p.getMetadata().getName());
            pods.add(p);
        }
        long[] start = new long[n];
        long t0 = System.nanoTime();
        runConcurrently(n, i -> {
            start[i] = System.nanoTime();
            clients.get(i % clients.size()).pods().inNamespace(ClusterStack.NAMESPACE).resource(pods.get(i)).create();
        });
        List<String> keys = pods.stream().map(p -> p.getMetadata().getName()).toList();
        return measure(keys, start, t0, clock);
    }

    /** How long the last Athanor phase took to get every submission answered (201). */
    private double submitSeconds;

    Side athanorPhase(Api api, String tag, int n, PodClock clock) throws Exception {
        String[] ids = new String[n];
        long[] start = new long[n];
        long t0 = System.nanoTime();
        AtomicInteger errors = new AtomicInteger();
        runConcurrently(n, i -> {
            start[i] = System.nanoTime();
            Api.Response r = api.post("/api/v1/jobs", body(tag + "-" + i, team(i)));
            if (r.status() != 201) {
                errors.incrementAndGet();
                throw new IOException("HTTP " + r.status() + ": " + r.raw());
            }
            ids[i] = r.body().path("id").asText();
        });
        submitSeconds = (System.nanoTime() - t0) / 1e9;
        return measure(Arrays.asList(ids), start, t0, clock);
    }

    /** Waits until every pod was seen created and bound (or --max-seconds), then computes the side's figures. */
    private Side measure(List<String> keys, long[] start, long t0, PodClock clock) throws InterruptedException {
        long deadline = t0 + TimeUnit.SECONDS.toNanos(maxSeconds);
        while (System.nanoTime() < deadline && !keys.stream().allMatch(k -> clock.bound.containsKey(k))) {
            Thread.sleep(50);
        }
        long last = t0;
        long[] created = new long[keys.size()];
        long[] bound = new long[keys.size()];
        int seen = 0;
        for (int i = 0; i < keys.size(); i++) {
            Long c = clock.created.get(keys.get(i));
            Long b = clock.bound.get(keys.get(i));
            created[i] = c == null ? -1 : c - start[i];
            bound[i] = b == null ? -1 : b - start[i];
            if (c != null) {
                seen++;
                last = Math.max(last, c);
            }
        }
        return new Side(seen, (last - t0) / 1e9, sorted(created), sorted(bound));
    }

    String team(int i) {
        return String.format(Locale.ROOT, "team-%02d", i % teams);
    }

    static String body(String name, String team) {
        ObjectNode n = Api.JSON.createObjectNode();
        n.put("name", name);
        n.put("team", team);
        n.put("kind", "FINE_TUNE");
        ObjectNode r = n.putObject("resources");
        r.put("gpusPerWorker", 1);
        r.put("workers", 1);
        r.put("gpuType", GPU_TYPE);
        r.put("cpu", 1);
        r.put("memory", "1Gi");
        n.put("maxAttempts", 1);
        ObjectNode s = n.putObject("spec");
        s.put("dataset", "train/labels.jsonl");
        s.put("outputDir", "model");
        s.put("numTrainEpochs", 1);
        return n.toString();
    }

    interface Op {
        void run(int i) throws Exception;
    }

    void runConcurrently(int n, Op op) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < concurrency; t++) {
                fs.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < n) {
                        op.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    Map<String, Object> report(Side raw, Side ath, PrintStream out) {
        double ratio = raw.perSecond() > 0 ? ath.perSecond() / raw.perSecond() : 0;
        Map<String, Object> machine = machine();
        out.println();
        out.printf(Locale.ROOT, "Machine: %s cores, %.1f GiB memory, %s, Java %s%n", machine.get("cores"),
                ((Number) machine.get("memory_bytes")).longValue() / 1073741824.0, machine.get("cpu_model"),
                machine.get("java"));
        out.printf(Locale.ROOT, "%-44s %8s %8s %10s %10s %10s %10s%n", "", "pods", "pods/s", "create p50",
                "create p99", "bound p50", "bound p99");
        row(out, "Athanor (HTTP submit -> pod on API server)", ath);
        row(out, "raw Fabric8 create loop (same pods)", raw);
        out.printf(Locale.ROOT, "Athanor submissions answered in %.1f s (%.0f/s)%n", submitSeconds,
                submitSeconds > 0 ? jobs / submitSeconds : 0);
        out.printf(Locale.ROOT, "Ratio Athanor/raw pods per second: %.3f (target >= %.1f: %s)%n", ratio, TARGET_RATIO,
                ratio >= TARGET_RATIO ? "met" : "NOT met");
        out.println("(latencies in ms from the submit (or create call) to the pod seen created / bound by kube-scheduler)");
        if (ath.pods() < jobs || raw.pods() < jobs) {
            out.println("Note: not every pod was seen within --max-seconds (" + maxSeconds + " s).");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("benchmark", "dispatch");
        m.put("jobs", jobs);
        m.put("teams", teams);
        m.put("nodes", nodes);
        m.put("gpus_per_node", gpusPerNode);
        m.put("concurrency", concurrency);
        m.put("athanor", ath.toMap());
        m.put("raw", raw.toMap());
        m.put("athanor_submit_seconds", round(submitSeconds, 3));
        m.put("ratio", round(ratio, 3));
        m.put("target_ratio", TARGET_RATIO);
        m.put("ratio_met", ratio >= TARGET_RATIO);
        m.put("submit_to_bound_p50_ms", round(pct(ath.boundNanos(), 50), 1));
        m.put("submit_to_bound_p99_ms", round(pct(ath.boundNanos(), 99), 1));
        m.put("kubernetes", LocalCluster.VERSION);
        m.put("machine", machine);
        return m;
    }

    private static void row(PrintStream out, String label, Side s) {
        out.printf(Locale.ROOT, "%-44s %8d %8.1f %10.1f %10.1f %10.1f %10.1f%n", label, s.pods(), s.perSecond(),
                pct(s.createdNanos(), 50), pct(s.createdNanos(), 99), pct(s.boundNanos(), 50), pct(s.boundNanos(), 99));
    }

    static long[] sorted(long[] v) {
        return Arrays.stream(v).filter(x -> x >= 0).sorted().toArray();
    }

    static double pct(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(sortedNanos.length - 1, idx))] / 1e6;
    }

    static Map<String, Object> machine() {
        return dev.athanor.embedded.BenchMachine.describe();
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return -1;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
