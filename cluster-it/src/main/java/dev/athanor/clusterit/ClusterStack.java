package dev.athanor.clusterit;

import dev.athanor.embedded.Api;
import dev.athanor.embedded.ControlPlaneProcess;
import dev.athanor.embedded.KafkaService;
import dev.athanor.embedded.Ports;
import dev.athanor.embedded.PostgresService;
import dev.athanor.k8s.cluster.LocalCluster;
import dev.athanor.k8s.cluster.SimulatedKubelet;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Athanor on a real Kubernetes API server, all on loopback: etcd + kube-apiserver + kube-scheduler
 * ({@link LocalCluster}), optionally a {@link SimulatedKubelet} that runs the real worker for pods bound to its nodes,
 * an embedded PostgreSQL and Kafka broker (module embedded), and any number of control-plane replicas as child JVMs
 * ({@code athanor.launcher.kind=kubernetes}) sharing them. Each replica has its own Lease identity, Kafka static
 * member id and HTTP port, so replicas can be started, stopped and killed independently.
 */
public final class ClusterStack implements AutoCloseable {
    public static final String NAMESPACE = "athanor";
    /** The worker image's command; a {@link SimulatedKubelet} maps it onto the local JDK and worker jar. */
    public static final String IMAGE_JAR = "/opt/athanor/athanor-worker.jar";

    /** What to start. */
    public record Options(Path dir, Path controlPlaneJar, Path workerJar, boolean runPods, List<String> jvmOptions,
                          Duration leaseDuration) {
    }

    /** One control-plane replica. */
    public record Replica(String id, ControlPlaneProcess process, Api api) {
        public boolean alive() {
            return process.process().isAlive();
        }

        /** SIGKILL: no shutdown hook, no Lease release, nothing flushed. */
        public void kill() {
            process.process().destroyForcibly();
            try {
                process.process().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private final Options options;
    private final PrintStream out;
    /**
     * The one bearer token every API call of the suite and the benchmark sends, and that each replica is given as
     * {@code athanor.auth.bootstrap-token} (ignored until the control plane checks tokens).
     */
    private final String token = "athanor-it-" + UUID.randomUUID();
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private LocalCluster cluster;
    private SimulatedKubelet kubelet;
    private PostgresService postgres;
    private KafkaService kafka;

    private ClusterStack(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /** Starts the API server, scheduler, PostgreSQL and Kafka (no control plane yet); on failure stops what started. */
    public static ClusterStack start(Options options, PrintStream out) throws Exception {
        ClusterStack s = new ClusterStack(options, out);
        try {
            s.boot();
        } catch (Exception | Error e) {
            s.close();
            throw e;
        }
        return s;
    }

    private void boot() throws Exception {
        long t0 = System.nanoTime();
        cluster = LocalCluster.start(options.dir().resolve("cluster"));
        cluster.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NAMESPACE)
                .endMetadata().build()).create();
        out.printf("  kubernetes %s (etcd, kube-apiserver, kube-scheduler) ready in %.1f s%n", LocalCluster.VERSION,
                secs(t0));
        if (options.runPods()) {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String jar = options.workerJar().toAbsolutePath().toString();
            kubelet = new SimulatedKubelet(cluster.newClient(), options.dir().resolve("kubelet"))
                    .eventsOverKafka(true)
                    .rewriteCommand(cmd -> {
                        List<String> c = new ArrayList<>();
                        for (String a : cmd) {
                            if ("java".equals(a)) {
                                c.add(java);
                                c.add("-Xmx256m");
                                c.add("-XX:+UseSerialGC");
                                c.add("-XX:TieredStopAtLevel=1");
                            } else {
                                c.add(IMAGE_JAR.equals(a) ? jar : a);
                            }
                        }
                        return c;
                    });
        }
        long t1 = System.nanoTime();
        postgres = PostgresService.start(options.dir().resolve("pg"), 0, "athanor",
                options.dir().resolve("logs").resolve("postgres.log"), false);
        kafka = KafkaService.start(options.dir().resolve("kafka"), Ports.free(), Ports.free());
        out.printf("  postgres %s, kafka %s ready in %.1f s%n", postgres.jdbcUrl(), kafka.bootstrapServers(), secs(t1));
    }

    /** Starts replica {@code id} and waits until it is ready; {@code extraEnv} may add or override settings. */
    public synchronized Replica startReplica(String id, Map<String, String> extraEnv) throws IOException {
        Replica old = replicas.get(id);
        if (old != null && old.alive()) {
            throw new IllegalStateException("replica " + id + " is already running");
        }
        Replica r = launchReplica(id, extraEnv);
        r.process().awaitReady(Duration.ofSeconds(180));
        return r;
    }

    /** Starts replica {@code id} without waiting for it to be ready (it may be meant to crash). */
    public synchronized Replica launchReplica(String id, Map<String, String> extraEnv) throws IOException {
        int port = Ports.free();
        int managementPort = Ports.free();
        Map<String, String> env = new LinkedHashMap<>(ControlPlaneProcess.coreEnv(port, managementPort, "127.0.0.1",
                postgres, kafka));
        Path home = options.dir().resolve("replicas").resolve(id);
        env.put("ATHANOR_HOME", home.toString());
        env.put("ATHANOR_LAUNCHER_KIND", "kubernetes");
        env.put("KUBECONFIG", cluster.dir().resolve("kubeconfig").toString());
        env.put("ATHANOR_KUBERNETES_NAMESPACE", NAMESPACE);
        env.put("ATHANOR_KUBERNETES_IMAGE", "ghcr.io/athanor/worker:test");
        env.put("ATHANOR_KUBERNETES_IDENTITY", id);
        long lease = options.leaseDuration().toMillis();
        env.put("ATHANOR_KUBERNETES_LEASE_DURATION", lease + "ms");
        env.put("ATHANOR_KUBERNETES_RENEW_DEADLINE", (lease * 2 / 3) + "ms");
        env.put("ATHANOR_KUBERNETES_RETRY_PERIOD", Math.max(200, lease / 6) + "ms");
        env.put("ATHANOR_KAFKA_INSTANCE_ID", id);
        env.put("ATHANOR_LOCAL_HEARTBEAT_SECONDS", "2");
        env.put("ATHANOR_AUTH_BOOTSTRAP_TOKEN", token);
        env.putAll(extraEnv);
        ControlPlaneProcess p = ControlPlaneProcess.start(options.controlPlaneJar(), env, options.jvmOptions(), port, managementPort,
                options.dir().resolve("logs").resolve("control-plane-" + id + ".log"));
        Replica r = new Replica(id, p, new Api(p.baseUrl(), token));
        replicas.put(id, r);
        return r;
    }

    public synchronized Replica replica(String id) {
        return replicas.get(id);
    }

    public synchronized List<Replica> running() {
        return replicas.values().stream().filter(Replica::alive).toList();
    }

    /** SIGTERM every running replica (graceful: it releases nothing it should not; workers keep running). */
    public synchronized void stopReplicas() {
        for (Replica r : replicas.values()) {
            if (r.alive()) {
                r.process().stop(Duration.ofSeconds(30));
            }
        }
    }

    /** Creates the teams (jobs can only be submitted for existing teams); teams that exist already are fine. */
    public static void ensureTeams(Api api, Iterable<String> names) throws IOException, InterruptedException {
        for (String name : names) {
            Api.Response r = api.post("/api/v1/teams", Map.of("name", name));
            if (r.status() != 201 && r.status() != 409) {
                throw new IOException("cannot create team " + name + ": HTTP " + r.status() + " " + r.raw());
            }
        }
    }

    public String token() {
        return token;
    }

    public LocalCluster cluster() {
        return cluster;
    }

    public KubernetesClient client() {
        return cluster.client();
    }

    /** The simulated kubelet, or null when pods are not run. */
    public SimulatedKubelet kubelet() {
        return kubelet;
    }

    public PostgresService postgres() {
        return postgres;
    }

    public KafkaService kafka() {
        return kafka;
    }

    public Path dir() {
        return options.dir();
    }

    @Override
    public synchronized void close() {
        for (Replica r : replicas.values()) {
            if (r.alive()) {
                r.process().stop(Duration.ofSeconds(20));
            }
        }
        if (kubelet != null) {
            kubelet.close();
        }
        if (kafka != null) {
            try {
                kafka.close();
            } catch (RuntimeException e) {
                out.println("  warning: stopping kafka: " + e.getMessage());
            }
        }
        if (postgres != null) {
            try {
                postgres.close();
            } catch (IOException | RuntimeException e) {
                out.println("  warning: stopping postgres: " + e.getMessage());
            }
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
