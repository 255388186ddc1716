package dev.athanor.k8s;

import dev.athanor.common.job.JobKind;

import dev.athanor.common.job.Priority;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Everything the Kubernetes launcher needs that is not in a {@link dev.athanor.common.launch.LaunchRequest}:
 * where pods go, what they run, how GPU types and priorities map onto the cluster. Immutable; build with
 * {@link #builder(String, String)}.
 */
public final class KubernetesLauncherConfig {
    public static final String DEFAULT_GPU_RESOURCE = "nvidia.com/gpu";
    public static final String DEFAULT_FLAVOR_LABEL = "athanor.dev/gpu-type";

    private final String namespace;
    private final String image;
    private final List<String> command;
    private final String imagePullPolicy;
    private final Map<JobKind, String> engineImages;
    private final List<String> imagePullSecrets;
    private final String serviceAccountName;
    private final String gpuResourceName;
    private final Map<String, GpuFlavor> flavors;
    private final java.util.function.Supplier<Map<String, GpuFlavor>> catalog;
    private final String flavorLabel;
    private final List<Toleration> gpuTolerations;
    private final Map<Priority, String> priorityClasses;
    private final Priority defaultPriority;
    private final String kafkaBootstrap;
    private final String eventsTopic;
    private final int heartbeatSeconds;
    private final String workDir;
    private final String shmSizeLimit;
    private final List<SharedVolume> volumes;
    private final String secretKey;
    private final int masterPort;
    private final String clusterDomain;
    private final Long runAsUser;
    private final Long runAsGroup;
    private final Long fsGroup;
    private final long terminationGracePeriodSeconds;
    private final Map<String, String> env;
    private final Duration resyncPeriod;
    private final Duration imagePullGrace;
    private final Duration finishedPodTtl;
    private final Duration lostGrace;
    private final int logTailLines;
    private final boolean fetchLogs;
    private final BooleanSupplier actingGate;
    private final Clock clock;
    private final int launchThreads;

    private KubernetesLauncherConfig(Builder b) {
        this.namespace = Objects.requireNonNull(b.namespace, "namespace");
        this.image = Objects.requireNonNull(b.image, "image");
        this.command = List.copyOf(b.command);
        this.imagePullPolicy = b.imagePullPolicy;
        this.imagePullSecrets = List.copyOf(b.imagePullSecrets);
        this.serviceAccountName = b.serviceAccountName;
        this.gpuResourceName = b.gpuResourceName;
        this.flavors = Map.copyOf(b.flavors);
        this.catalog = b.catalog;
        this.flavorLabel = b.flavorLabel;
        this.gpuTolerations = List.copyOf(b.gpuTolerations);
        this.priorityClasses = Map.copyOf(b.priorityClasses);
        this.defaultPriority = b.defaultPriority;
        this.kafkaBootstrap = b.kafkaBootstrap;
        this.eventsTopic = b.eventsTopic;
        this.heartbeatSeconds = b.heartbeatSeconds;
        this.workDir = b.workDir;
        this.shmSizeLimit = b.shmSizeLimit;
        this.volumes = List.copyOf(b.volumes);
        this.engineImages = Map.copyOf(b.engineImages);
        this.secretKey = b.secretKey;
        this.masterPort = b.masterPort;
        this.clusterDomain = b.clusterDomain;
        this.runAsUser = b.runAsUser;
        this.runAsGroup = b.runAsGroup;
        this.fsGroup = b.fsGroup;
        this.terminationGracePeriodSeconds = b.terminationGracePeriodSeconds;
        this.env = Map.copyOf(b.env);
        this.resyncPeriod = b.resyncPeriod;
        this.imagePullGrace = b.imagePullGrace;
        this.finishedPodTtl = b.finishedPodTtl;
        this.lostGrace = b.lostGrace;
        this.logTailLines = b.logTailLines;
        this.fetchLogs = b.fetchLogs;
        this.actingGate = b.actingGate;
        this.clock = b.clock;
        this.launchThreads = b.launchThreads;
    }

    /** A config for worker pods in {@code namespace} running {@code image}. */
    public static Builder builder(String namespace, String image) {
        return new Builder(namespace, image);
    }

    public Builder toBuilder() {
        Builder b = new Builder(namespace, image);
        b.command = new ArrayList<>(command);
        b.imagePullPolicy = imagePullPolicy;
        b.imagePullSecrets = new ArrayList<>(imagePullSecrets);
        b.serviceAccountName = serviceAccountName;
        b.gpuResourceName = gpuResourceName;
        b.flavors = new LinkedHashMap<>(flavors);
        b.catalog = catalog;
        b.flavorLabel = flavorLabel;
        b.gpuTolerations = new ArrayList<>(gpuTolerations);
        b.priorityClasses = new EnumMap<>(Priority.class);
        b.priorityClasses.putAll(priorityClasses);
        b.defaultPriority = defaultPriority;
        b.kafkaBootstrap = kafkaBootstrap;
        b.eventsTopic = eventsTopic;
        b.heartbeatSeconds = heartbeatSeconds;
        b.workDir = workDir;
        b.shmSizeLimit = shmSizeLimit;
        b.volumes = new ArrayList<>(volumes);
        b.engineImages = new EnumMap<>(JobKind.class);
        b.engineImages.putAll(engineImages);
        b.secretKey = secretKey;
        b.masterPort = masterPort;
        b.clusterDomain = clusterDomain;
        b.runAsUser = runAsUser;
        b.runAsGroup = runAsGroup;
        b.fsGroup = fsGroup;
        b.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
        b.env = new LinkedHashMap<>(env);
        b.resyncPeriod = resyncPeriod;
        b.imagePullGrace = imagePullGrace;
        b.finishedPodTtl = finishedPodTtl;
        b.lostGrace = lostGrace;
        b.logTailLines = logTailLines;
        b.fetchLogs = fetchLogs;
        b.actingGate = actingGate;
        b.clock = clock;
        b.launchThreads = launchThreads;
        return b;
    }

    public String namespace() { return namespace; }
    public String image() { return image; }

    /** The image for a job of this kind: its engine image when one is set (the GPU tools it needs), else {@link #image()}. */
    public String imageFor(JobKind kind) { return engineImages.getOrDefault(kind, image); }

    public Map<JobKind, String> engineImages() { return engineImages; }
    public List<String> command() { return command; }
    public String imagePullPolicy() { return imagePullPolicy; }
    public List<String> imagePullSecrets() { return imagePullSecrets; }
    public String serviceAccountName() { return serviceAccountName; }
    public String gpuResourceName() { return gpuResourceName; }
    /**
     * The GPU flavors: the configured ones, overridden by the live catalog (the control plane's flavor API) where
     * both name the same flavor.
     */
    public Map<String, GpuFlavor> flavors() {
        Map<String, GpuFlavor> live = catalog.get();
        if (live == null || live.isEmpty()) {
            return flavors;
        }
        Map<String, GpuFlavor> all = new LinkedHashMap<>(flavors);
        all.putAll(live);
        return all;
    }
    public String flavorLabel() { return flavorLabel; }
    public List<Toleration> gpuTolerations() { return gpuTolerations; }
    public Map<Priority, String> priorityClasses() { return priorityClasses; }
    public Priority defaultPriority() { return defaultPriority; }
    public String kafkaBootstrap() { return kafkaBootstrap; }
    public String eventsTopic() { return eventsTopic; }
    public int heartbeatSeconds() { return heartbeatSeconds; }
    public String workDir() { return workDir; }
    public String shmSizeLimit() { return shmSizeLimit; }
    public List<SharedVolume> volumes() { return volumes; }
    public String secretKey() { return secretKey; }
    public int masterPort() { return masterPort; }
    public String clusterDomain() { return clusterDomain; }
    public Long runAsUser() { return runAsUser; }
    public Long runAsGroup() { return runAsGroup; }
    public Long fsGroup() { return fsGroup; }
    public long terminationGracePeriodSeconds() { return terminationGracePeriodSeconds; }
    public Map<String, String> env() { return env; }
    public Duration resyncPeriod() { return resyncPeriod; }
    public Duration imagePullGrace() { return imagePullGrace; }
    public Duration finishedPodTtl() { return finishedPodTtl; }
    public Duration lostGrace() { return lostGrace; }
    public int logTailLines() { return logTailLines; }
    public boolean fetchLogs() { return fetchLogs; }
    public BooleanSupplier actingGate() { return actingGate; }
    public Clock clock() { return clock; }
    public int launchThreads() { return launchThreads; }

    /**
     * The flavor for a GPU type: the configured one, or (for a type not configured) one that selects nodes labelled
     * {@code <flavorLabel>=<gpuType>}. Null for "any GPU".
     */
    public GpuFlavor flavor(String gpuType) {
        if (gpuType == null) {
            return null;
        }
        Map<String, GpuFlavor> live = catalog.get();
        GpuFlavor f = live == null ? null : live.get(gpuType);
        if (f == null) {
            f = flavors.get(gpuType);
        }
        return f != null ? f : new GpuFlavor(gpuType, Map.of(flavorLabel, gpuType), List.of());
    }

    /** The PriorityClass for a job priority, or null when none is configured. */
    public String priorityClassName(Priority p) {
        return priorityClasses.get(p == null ? defaultPriority : p);
    }

    public static final class Builder {
        private final String namespace;
        private final String image;
        private List<String> command = new ArrayList<>(List.of("java", "-jar", "/opt/athanor/athanor-worker.jar"));
        private String imagePullPolicy = "IfNotPresent";
        private List<String> imagePullSecrets = new ArrayList<>();
        private String serviceAccountName;
        private String gpuResourceName = DEFAULT_GPU_RESOURCE;
        private Map<String, GpuFlavor> flavors = new LinkedHashMap<>();
        private java.util.function.Supplier<Map<String, GpuFlavor>> catalog = Map::of;
        private String flavorLabel = DEFAULT_FLAVOR_LABEL;
        private List<Toleration> gpuTolerations = new ArrayList<>(List.of(new TolerationBuilder()
                .withKey(DEFAULT_GPU_RESOURCE).withOperator("Exists").withEffect("NoSchedule").build()));
        private Map<Priority, String> priorityClasses = new EnumMap<>(Priority.class);
        private Priority defaultPriority = Priority.NORMAL;
        private String kafkaBootstrap;
        private String eventsTopic = "athanor.events";
        private int heartbeatSeconds = 10;
        private String workDir = "/workspace";
        private String shmSizeLimit;
        private List<SharedVolume> volumes = new ArrayList<>();
        private Map<JobKind, String> engineImages = new EnumMap<>(JobKind.class);
        private String secretKey = "value";
        private int masterPort = 29500;
        private String clusterDomain = "cluster.local";
        private Long runAsUser;
        private Long runAsGroup;
        private Long fsGroup;
        private long terminationGracePeriodSeconds = 30;
        private Map<String, String> env = new LinkedHashMap<>();
        private Duration resyncPeriod = Duration.ofSeconds(60);
        private Duration imagePullGrace = Duration.ofMinutes(3);
        private Duration finishedPodTtl = Duration.ofMinutes(10);
        private Duration lostGrace = Duration.ofSeconds(30);
        private int logTailLines = 20;
        private boolean fetchLogs = true;
        private BooleanSupplier actingGate = () -> true;
        private Clock clock = Clock.systemUTC();
        private int launchThreads = 0;

        private Builder(String namespace, String image) {
            this.namespace = namespace;
            this.image = image;
        }

        /** The worker command inside the image (default {@code java -jar /opt/athanor/athanor-worker.jar}). */
        public Builder command(List<String> v) { command = new ArrayList<>(v); return this; }
        public Builder imagePullPolicy(String v) { imagePullPolicy = v; return this; }
        public Builder imagePullSecrets(List<String> v) { imagePullSecrets = new ArrayList<>(v); return this; }
        public Builder serviceAccountName(String v) { serviceAccountName = v; return this; }
        /** Extended resource name of a GPU (default {@code nvidia.com/gpu}). */
        public Builder gpuResourceName(String v) { gpuResourceName = v; return this; }
        public Builder flavor(GpuFlavor f) { flavors.put(f.name(), f); return this; }
        /** A live flavor catalog consulted on every use (it wins over {@link #flavor} for the same name). */
        public Builder catalog(java.util.function.Supplier<Map<String, GpuFlavor>> c) { catalog = c == null ? Map::of : c; return this; }
        /** Node label that names a node's GPU type when a flavor is not configured explicitly. */
        public Builder flavorLabel(String v) { flavorLabel = v; return this; }
        /** Tolerations every GPU pod gets (default: tolerate the {@code nvidia.com/gpu} NoSchedule taint). */
        public Builder gpuTolerations(List<Toleration> v) { gpuTolerations = new ArrayList<>(v); return this; }
        public Builder priorityClass(Priority p, String className) { priorityClasses.put(p, className); return this; }
        public Builder defaultPriority(Priority p) { defaultPriority = p; return this; }
        public Builder kafkaBootstrap(String v) { kafkaBootstrap = v; return this; }
        public Builder eventsTopic(String v) { eventsTopic = v; return this; }
        public Builder heartbeatSeconds(int v) { heartbeatSeconds = v; return this; }
        public Builder workDir(String v) { workDir = v; return this; }
        /** Size limit of the in-memory {@code /dev/shm} (e.g. {@code 16Gi}); null for none. */
        public Builder shmSizeLimit(String v) { shmSizeLimit = v; return this; }
        public Builder volume(SharedVolume v) { volumes.add(v); return this; }
        /** Runs jobs of {@code kind} in {@code image} instead of the default worker image. */
        public Builder engineImage(JobKind kind, String image) { engineImages.put(kind, Objects.requireNonNull(image)); return this; }
        /** Key inside each Kubernetes Secret that holds the secret's value (default {@code value}). */
        public Builder secretKey(String v) { secretKey = v; return this; }
        public Builder masterPort(int v) { masterPort = v; return this; }
        public Builder clusterDomain(String v) { clusterDomain = v; return this; }
        public Builder runAsUser(Long v) { runAsUser = v; return this; }
        public Builder runAsGroup(Long v) { runAsGroup = v; return this; }
        public Builder fsGroup(Long v) { fsGroup = v; return this; }
        public Builder terminationGracePeriodSeconds(long v) { terminationGracePeriodSeconds = v; return this; }
        /** Extra plain (non-secret) environment for every worker. */
        public Builder env(String name, String value) { env.put(name, value); return this; }
        /** How often the launcher relists pods and reconciles every attempt it knows (default 60 s). */
        public Builder resyncPeriod(Duration v) { resyncPeriod = v; return this; }
        /** How long an image pull may back off before the attempt fails for good (default 3 min). */
        public Builder imagePullGrace(Duration v) { imagePullGrace = v; return this; }
        /** How long finished pods are kept after their exit was reported (default 10 min). */
        public Builder finishedPodTtl(Duration v) { finishedPodTtl = v; return this; }
        /** How long a launched attempt may have no pod at all before it is reported Lost (default 30 s). */
        public Builder lostGrace(Duration v) { lostGrace = v; return this; }
        public Builder logTailLines(int v) { logTailLines = v; return this; }
        /** Whether to read a failed worker's last log lines from the API when its termination message is empty. */
        public Builder fetchLogs(boolean v) { fetchLogs = v; return this; }
        /**
         * Whether this replica may act (create, delete, report). Wire {@link LeaderElection#isLeader()} here: a replica
         * that is not the leader observes but never acts.
         */
        public Builder actingGate(BooleanSupplier v) { actingGate = v; return this; }
        public Builder clock(Clock v) { clock = v; return this; }
        /**
         * Threads that create pods. 0 (default): {@code launch} creates them before it returns and throws a
         * {@code LaunchException} on refusal. N &gt; 0: {@code launch} records the attempt (it is active from then on)
         * and returns; N creates run at once, and a refused create is reported as a {@code LaunchFailed} exit
         * (exit code -3 when retrying may help: nothing ran, no result will come; -2 when not), which the control plane
         * treats as it treats the exception.
         */
        public Builder launchThreads(int v) { launchThreads = v; return this; }

        public KubernetesLauncherConfig build() {
            return new KubernetesLauncherConfig(this);
        }
    }
}
