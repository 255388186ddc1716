package dev.athanor.k8s;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.secret.SecretNames;
import dev.athanor.common.launch.WorkerJob;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The desired state of one attempt: its worker pods and (for a gang) its headless service, computed from a
 * {@link LaunchRequest} and the {@link KubernetesLauncherConfig}. Pure: no API calls, no clock, no randomness, so the
 * same attempt always yields the same objects and a retried create is harmless.
 */
public final class WorkerPodModel {
    public static final String CONTAINER = "worker";
    public static final String SHM_VOLUME = "dshm";
    public static final String WORK_VOLUME = "work";
    public static final String MASTER_PORT_NAME = "rendezvous";

    private final KubernetesLauncherConfig config;

    public WorkerPodModel(KubernetesLauncherConfig config) {
        this.config = config;
    }

    /** {@code <AttemptKey.name()>-w<index>}, e.g. {@code ath-3f2a...-a2-w0}. */
    public static String podName(AttemptKey key, int worker) {
        return key.name() + "-w" + worker;
    }

    /** The headless service of a multi-worker attempt: {@link AttemptKey#name()}. */
    public static String serviceName(AttemptKey key) {
        return key.name();
    }

    /** DNS name of worker 0 through the attempt's headless service. */
    public String masterAddress(AttemptKey key) {
        return podName(key, 0) + "." + serviceName(key) + "." + config.namespace() + ".svc." + config.clusterDomain();
    }

    /** Whether the attempt needs a headless service (more than one worker). */
    public static boolean needsService(LaunchRequest req) {
        return workers(req) > 1;
    }

    static int workers(LaunchRequest req) {
        Resources r = req.resources();
        return r == null ? 1 : Math.max(1, r.workers());
    }

    /** The Secret holding an attempt's event-signing key (ADR 0012): {@code <AttemptKey.name()>-events}. */
    public static String eventKeySecretName(AttemptKey key) {
        return key.name() + "-events";
    }

    /** The key of the event-key Secret. */
    public static final String EVENT_KEY_SECRET_KEY = "key";

    /**
     * The per-attempt Secret with the event-signing key, labelled like the attempt's pods, created before them and
     * deleted with them; the pods refer to it only by {@code secretKeyRef}. Null when the request has no key.
     */
    public io.fabric8.kubernetes.api.model.Secret eventKeySecret(LaunchRequest req) {
        if (req.eventKey() == null) {
            return null;
        }
        return new io.fabric8.kubernetes.api.model.SecretBuilder()
                .withNewMetadata()
                .withName(eventKeySecretName(req.key()))
                .withNamespace(config.namespace())
                .withLabels(attemptLabels(req, -1))
                .endMetadata()
                .withType("Opaque")
                .withImmutable(true)
                .addToStringData(EVENT_KEY_SECRET_KEY, req.eventKey().encoded())
                .build();
    }

    /** The headless service giving worker 0 a stable DNS name for torchrun's rendezvous; null for one worker. */
    public Service service(LaunchRequest req) {
        if (!needsService(req)) {
            return null;
        }
        AttemptKey key = req.key();
        return new ServiceBuilder()
                .withNewMetadata()
                .withName(serviceName(key))
                .withNamespace(config.namespace())
                .withLabels(attemptLabels(req, -1))
                .addToAnnotations(Labels.WORKERS_ANNOTATION, Integer.toString(workers(req)))
                .endMetadata()
                .withNewSpec()
                .withClusterIP("None")
                .withPublishNotReadyAddresses(true)
                .withSelector(Labels.attempt(key))
                .addNewPort().withName(MASTER_PORT_NAME).withPort(config.masterPort()).withProtocol("TCP").endPort()
                .endSpec()
                .build();
    }

    /** The sub-directory of a writable shared volume a team's pods mount. */
    static String teamSubPath(String team) {
        String dir = team == null || team.isBlank() ? null : Labels.value(team); // as the pod's team label
        if (dir == null || !dir.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}") || dir.contains("..")) {
            throw new IllegalArgumentException("team " + team + " cannot name a volume sub-directory");
        }
        return dir;
    }

    /** One pod per worker, in worker order. */
    public List<Pod> pods(LaunchRequest req, Priority priority) {
        int n = workers(req);
        List<Pod> pods = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            pods.add(pod(req, priority, i));
        }
        return pods;
    }

    /** The pod of worker {@code index}. */
    public Pod pod(LaunchRequest req, Priority priority, int index) {
        AttemptKey key = req.key();
        Resources r = req.resources() == null ? Resources.DEFAULT : req.resources();
        int n = workers(req);
        String name = podName(key, index);
        GpuFlavor flavor = r.gpusPerWorker() > 0 ? config.flavor(r.gpuType()) : null;

        Map<String, String> nodeSelector = new LinkedHashMap<>();
        List<Toleration> tolerations = new ArrayList<>();
        if (r.gpusPerWorker() > 0) {
            tolerations.addAll(config.gpuTolerations());
        }
        if (flavor != null) {
            nodeSelector.putAll(flavor.nodeSelector());
            tolerations.addAll(flavor.tolerations());
        }

        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        VolumeBuilder shm = new VolumeBuilder().withName(SHM_VOLUME);
        if (config.shmSizeLimit() != null) {
            shm.withNewEmptyDir().withMedium("Memory").withSizeLimit(new Quantity(config.shmSizeLimit())).endEmptyDir();
        } else {
            shm.withNewEmptyDir().withMedium("Memory").endEmptyDir();
        }
        volumes.add(shm.build());
        mounts.add(new VolumeMountBuilder().withName(SHM_VOLUME).withMountPath("/dev/shm").build());
        volumes.add(new VolumeBuilder().withName(WORK_VOLUME).withNewEmptyDir().endEmptyDir().build());
        mounts.add(new VolumeMountBuilder().withName(WORK_VOLUME).withMountPath(config.workDir()).build());
        for (SharedVolume v : config.volumes()) {
            volumes.add(new VolumeBuilder().withName(v.name()).withNewPersistentVolumeClaim()
                    .withClaimName(v.claimName()).withReadOnly(v.readOnly()).endPersistentVolumeClaim().build());
            // Read-only volumes (datasets, base models) are shared whole; a writable one is mounted per team: the pod
            // sees only <volume>/<team>, never another team's outputs (issue 8, defect 4).
            VolumeMountBuilder m = new VolumeMountBuilder().withName(v.name()).withMountPath(v.mountPath())
                    .withReadOnly(v.readOnly());
            if (!v.readOnly()) {
                m.withSubPath(teamSubPath(req.job().team()));
            }
            mounts.add(m.build());
        }

        ResourceRequirementsBuilder res = new ResourceRequirementsBuilder()
                .addToRequests("cpu", new Quantity(cpu(r.cpu())))
                .addToRequests("memory", new Quantity(r.memory()))
                .addToLimits("memory", new Quantity(r.memory()));
        if (r.gpusPerWorker() > 0) {
            Quantity g = new Quantity(Integer.toString(r.gpusPerWorker()));
            res.addToRequests(config.gpuResourceName(), g).addToLimits(config.gpuResourceName(), g);
        }

        Container container = new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(config.imageFor(req.job().kind()))
                .withImagePullPolicy(config.imagePullPolicy())
                .withCommand(config.command())
                .withEnv(env(req, r, index, n))
                .withResources(res.build())
                .withVolumeMounts(mounts)
                .withWorkingDir(config.workDir())
                .withTerminationMessagePolicy("FallbackToLogsOnError")
                .withSecurityContext(new SecurityContextBuilder()
                        .withRunAsNonRoot(true)
                        .withAllowPrivilegeEscalation(false)
                        .withNewCapabilities().withDrop("ALL").endCapabilities()
                        .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile()
                        .build())
                .build();

        PodSecurityContextBuilder psc = new PodSecurityContextBuilder()
                .withRunAsNonRoot(true)
                .withNewSeccompProfile().withType("RuntimeDefault").endSeccompProfile();
        if (config.runAsUser() != null) {
            psc.withRunAsUser(config.runAsUser());
        }
        if (config.runAsGroup() != null) {
            psc.withRunAsGroup(config.runAsGroup());
        }
        if (config.fsGroup() != null) {
            psc.withFsGroup(config.fsGroup());
        }

        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Labels.WORKERS_ANNOTATION, Integer.toString(n));
        if (req.job() != null && req.job().name() != null) {
            annotations.put(Labels.JOB_NAME_ANNOTATION, req.job().name());
        }

        PodBuilder pb = new PodBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(config.namespace())
                .withLabels(attemptLabels(req, index))
                .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                .withRestartPolicy("Never")
                .withPriorityClassName(config.priorityClassName(priority))
                .withActiveDeadlineSeconds(req.maxRuntime().isZero() || req.maxRuntime().isNegative() ? null
                        : Math.max(1, req.maxRuntime().toSeconds()))
                .withTerminationGracePeriodSeconds(config.terminationGracePeriodSeconds())
                .withServiceAccountName(config.serviceAccountName())
                .withAutomountServiceAccountToken(false)
                .withEnableServiceLinks(false)
                .withNodeSelector(nodeSelector.isEmpty() ? null : nodeSelector)
                .withTolerations(tolerations.isEmpty() ? null : tolerations)
                .withSecurityContext(psc.build())
                .withVolumes(volumes)
                .withContainers(container)
                .endSpec();
        if (n > 1) {
            pb.editSpec().withHostname(name).withSubdomain(serviceName(key)).endSpec();
        }
        if (!config.imagePullSecrets().isEmpty()) {
            pb.editSpec().withImagePullSecrets(config.imagePullSecrets().stream()
                    .map(LocalObjectReference::new).toList()).endSpec();
        }
        return pb.build();
    }

    private Map<String, String> attemptLabels(LaunchRequest req, int index) {
        Map<String, String> l = new LinkedHashMap<>();
        l.put(Labels.NAME, Labels.WORKER_APP);
        l.put(Labels.MANAGED_BY, Labels.ATHANOR);
        l.put(Labels.PART_OF, Labels.ATHANOR);
        WorkerJob job = req.job();
        if (job != null && job.team() != null && !Labels.value(job.team()).isEmpty()) {
            l.put(Labels.TEAM, Labels.value(job.team()));
        }
        l.put(Labels.JOB, req.key().jobId().toString());
        l.put(Labels.ATTEMPT, Integer.toString(req.key().attempt()));
        if (job != null && job.kind() != null) {
            l.put(Labels.KIND, Labels.kind(job.kind()));
        }
        if (index >= 0) {
            l.put(Labels.WORKER, Integer.toString(index));
        }
        return l;
    }

    private List<EnvVar> env(LaunchRequest req, Resources r, int index, int n) {
        AttemptKey key = req.key();
        List<EnvVar> env = new ArrayList<>();
        config.env().forEach((k, v) -> env.add(plain(k, v)));
        env.add(plain(WorkerContract.JOB_ID, key.jobId().toString()));
        env.add(plain(WorkerContract.ATTEMPT, Integer.toString(key.attempt())));
        env.add(plain(WorkerContract.WORKER_INDEX, Integer.toString(index)));
        WorkerJob job = req.job();
        if (job != null) {
            WorkerJob mine = new WorkerJob(job.jobId(), job.attempt(), index, job.name(), job.team(), job.kind(),
                    job.resources(), job.spec());
            env.add(plain(WorkerContract.JOB_JSON, Json.write(mine)));
        }
        if (config.kafkaBootstrap() != null) {
            env.add(plain(WorkerContract.KAFKA_BOOTSTRAP, config.kafkaBootstrap()));
        }
        env.add(plain(WorkerContract.EVENTS_TOPIC, config.eventsTopic()));
        env.add(plain(WorkerContract.WORK_DIR, config.workDir()));
        env.add(plain(WorkerContract.HEARTBEAT_SECONDS, Integer.toString(config.heartbeatSeconds())));
        env.add(plain("MASTER_ADDR", n > 1 ? masterAddress(key) : "127.0.0.1"));
        env.add(plain("MASTER_PORT", Integer.toString(config.masterPort())));
        env.add(plain("NNODES", Integer.toString(n)));
        env.add(plain("NODE_RANK", Integer.toString(index)));
        env.add(plain("NPROC_PER_NODE", Integer.toString(Math.max(1, r.gpusPerWorker()))));
        env.add(new EnvVarBuilder().withName("ATHANOR_POD_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("metadata.name").endFieldRef().endValueFrom().build());
        env.add(new EnvVarBuilder().withName("ATHANOR_NODE_NAME").withNewValueFrom().withNewFieldRef()
                .withFieldPath("spec.nodeName").endFieldRef().endValueFrom().build());
        if (req.eventKey() != null) {
            env.add(new EnvVarBuilder().withName(WorkerContract.EVENT_KEY).withNewValueFrom()
                    .withNewSecretKeyRef().withName(eventKeySecretName(key)).withKey(EVENT_KEY_SECRET_KEY)
                    .withOptional(false).endSecretKeyRef().endValueFrom().build());
        }
        for (String s : req.secretNames()) {
            // by reference only: the value never enters the pod spec, a log or the control plane's memory; and only
            // to the job's own team's Secret (the name is derived from the team, never taken from the spec alone)
            env.add(new EnvVarBuilder().withName(WorkerContract.secretEnvName(s)).withNewValueFrom()
                    .withNewSecretKeyRef().withName(SecretNames.kubernetesName(job.team(), s))
                    .withKey(config.secretKey()).withOptional(false)
                    .endSecretKeyRef().endValueFrom().build());
        }
        return env;
    }

    private static EnvVar plain(String name, String value) {
        return new EnvVarBuilder().withName(name).withValue(value).build();
    }

    /** Cores as a Kubernetes quantity: whole cores as an integer, fractions in millicores. */
    static String cpu(double cores) {
        BigDecimal milli = BigDecimal.valueOf(cores).multiply(BigDecimal.valueOf(1000));
        long m = milli.setScale(0, java.math.RoundingMode.CEILING).longValue();
        return m % 1000 == 0 ? Long.toString(m / 1000) : m + "m";
    }
}
