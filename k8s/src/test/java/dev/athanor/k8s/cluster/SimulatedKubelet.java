package dev.athanor.k8s.cluster;

import dev.athanor.common.launch.WorkerContract;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Plays the kubelet of simulated GPU nodes against a real API server: registers Node objects (GPU capacity, GPU-type
 * label, Ready) kept alive with node Lease renewals, and for every pod the scheduler binds to one of them runs the
 * pod's real command (the worker jar) as a local process with the pod's environment, writing the pod status back
 * (Running, then Succeeded/Failed with the exit code and, on failure, the last output lines as termination message).
 * Honours deletion (SIGTERM, then the final delete) and activeDeadlineSeconds.
 */
public final class SimulatedKubelet implements AutoCloseable {
    private final KubernetesClient client;
    private final Path root;
    private final Map<String, Path> nodeData = new ConcurrentHashMap<>();
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final Map<String, Boolean> started = new ConcurrentHashMap<>();
    private final Map<String, Boolean> killing = new ConcurrentHashMap<>();
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sim-kubelet");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sim-kubelet-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private final SharedIndexInformer<Pod> informer;
    private volatile boolean eventsOverKafka;
    private volatile java.util.function.UnaryOperator<List<String>> commandRewrite = c -> c;

    public SimulatedKubelet(KubernetesClient client, Path root) {
        this.client = client;
        this.root = root;
        this.informer = client.pods().inAnyNamespace().inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                handle(pod);
            }

            @Override
            public void onUpdate(Pod oldPod, Pod newPod) {
                handle(newPod);
            }

            @Override
            public void onDelete(Pod pod, boolean unknown) {
                Process p = running.remove(uid(pod));
                if (p != null) {
                    p.destroyForcibly();
                }
            }
        }, 0);
        heartbeat.scheduleWithFixedDelay(this::renew, 5, 5, TimeUnit.SECONDS);
    }

    /**
     * Workers send their events to the Kafka bootstrap in the pod's environment (as in a real cluster) instead of
     * a local events file. Off by default (the launcher-only suite has no broker).
     */
    public SimulatedKubelet eventsOverKafka(boolean v) {
        eventsOverKafka = v;
        return this;
    }

    /**
     * How this "node" finds the image's files: e.g. {@code java -jar /opt/athanor/athanor-worker.jar} (the worker
     * image's command) becomes the local JDK and the freshly built worker jar.
     */
    public SimulatedKubelet rewriteCommand(java.util.function.UnaryOperator<List<String>> f) {
        commandRewrite = f;
        return this;
    }

    /** Registers a node with {@code gpus} GPUs of {@code gpuType}; {@code data} (may be null) is copied into pods' work dirs. */
    public void addNode(String name, String gpuType, int gpus, Path data) {
        if (data != null) {
            nodeData.put(name, data);
        }
        registerNode(client, name, gpuType, gpus);
    }

    /**
     * Registers a Ready node with {@code gpus} GPUs of {@code gpuType} and its node Lease, with no kubelet behind it
     * (nothing runs pods bound to it unless a {@code SimulatedKubelet} was given it with {@link #addNode}). With no
     * node lifecycle controller running, such a node stays Ready: enough for the scheduler and for benchmarks.
     */
    public static void registerNode(KubernetesClient client, String name, String gpuType, int gpus) {
        Node node = new NodeBuilder().withNewMetadata().withName(name)
                .addToLabels("kubernetes.io/hostname", name).addToLabels("athanor.dev/gpu-type", gpuType)
                .addToLabels("nvidia.com/gpu.present", "true").endMetadata()
                .withNewSpec().endSpec()
                .withNewStatus()
                .addToCapacity("cpu", new Quantity("64")).addToCapacity("memory", new Quantity("512Gi"))
                .addToCapacity("pods", new Quantity("110")).addToCapacity("nvidia.com/gpu", new Quantity("" + gpus))
                .addToAllocatable("cpu", new Quantity("64")).addToAllocatable("memory", new Quantity("512Gi"))
                .addToAllocatable("pods", new Quantity("110")).addToAllocatable("nvidia.com/gpu", new Quantity("" + gpus))
                .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
                .withLastHeartbeatTime(now()).withLastTransitionTime(now()).endCondition()
                .addNewAddress().withType("InternalIP").withAddress("127.0.0.1").endAddress()
                .endStatus().build();
        Node created = client.nodes().resource(node).create();
        client.nodes().withName(name).editStatus(n -> new NodeBuilder(n).withStatus(node.getStatus()).build());
        // The TaintNodesByCondition admission plugin taints new nodes not-ready; the node lifecycle controller (not
        // run here) would lift it once the node reports Ready, as this kubelet does: lift it ourselves.
        client.nodes().withName(name).edit(n -> new NodeBuilder(n).editSpec().withTaints().endSpec().build());
        client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder().withNewMetadata().withName(name)
                .withNamespace("kube-node-lease").endMetadata().withNewSpec().withHolderIdentity(name)
                .withLeaseDurationSeconds(40).withRenewTime(ZonedDateTime.now()).endSpec().build()).create();
        if (created == null) {
            throw new IllegalStateException("node " + name + " not created");
        }
    }

    private void renew() {
        for (Node n : client.nodes().list().getItems()) {
            String name = n.getMetadata().getName();
            try {
                client.leases().inNamespace("kube-node-lease").withName(name)
                        .edit(l -> new LeaseBuilder(l).editSpec().withRenewTime(ZonedDateTime.now()).endSpec().build());
                client.nodes().withName(name).editStatus(x -> new NodeBuilder(x).editStatus()
                        .editMatchingCondition(c -> "Ready".equals(c.getType())).withLastHeartbeatTime(now())
                        .endCondition().endStatus().build());
            } catch (RuntimeException ignored) {
                // next beat
            }
        }
    }

    private static String now() {
        return Instant.now().toString();
    }

    private static String uid(Pod p) {
        return p.getMetadata().getUid();
    }

    private synchronized void handle(Pod pod) {
        String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
        if (node == null || node.isEmpty()) {
            return;
        }
        if (client.nodes().withName(node).get() == null) {
            return;
        }
        String uid = uid(pod);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            if (killing.putIfAbsent(uid, true) == null) {
                workers.execute(() -> kill(pod));
            }
            return;
        }
        if (started.putIfAbsent(uid, true) == null) {
            workers.execute(() -> run(pod));
        }
    }

    private void kill(Pod pod) {
        Process p = running.get(uid(pod));
        long grace = pod.getMetadata().getDeletionGracePeriodSeconds() == null ? 30
                : pod.getMetadata().getDeletionGracePeriodSeconds();
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(grace, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .withGracePeriod(0).delete();
        } catch (KubernetesClientException ignored) {
            // already gone
        }
    }

    private void run(Pod pod) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        Path work = root.resolve(pod.getSpec().getNodeName()).resolve(name + "-" + uid(pod).substring(0, 8));
        Path log = work.resolve("container.log");
        try {
            Files.createDirectories(work);
            Path data = nodeData.get(pod.getSpec().getNodeName());
            if (data != null) {
                copyTree(data, work);
            }
            var container = pod.getSpec().getContainers().get(0);
            Map<String, String> env = new LinkedHashMap<>();
            for (EnvVar e : container.getEnv()) {
                env.put(e.getName(), resolve(pod, e));
            }
            // the kubelet mounts the pod's volumes: the work emptyDir is a local directory here
            env.put(WorkerContract.WORK_DIR, work.toString());
            if (!eventsOverKafka) {
                env.put("ATHANOR_EVENTS_FILE", work.resolve("events.jsonl").toString());
                env.remove(WorkerContract.KAFKA_BOOTSTRAP);
            }
            List<String> cmd = new ArrayList<>(container.getCommand());
            if (container.getArgs() != null) {
                cmd.addAll(container.getArgs());
            }
            cmd = new ArrayList<>(commandRewrite.apply(cmd));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("ATHANOR_"));
            pb.environment().putAll(env);
            Process p = pb.start();
            running.put(uid(pod), p);
            String startedAt = now();
            status(ns, name, new PodStatusBuilder().withPhase("Running").withHostIP("127.0.0.1").withPodIP("127.0.0.1")
                    .withStartTime(startedAt)
                    .withConditions(cond("PodScheduled"), cond("Initialized"), cond("ContainersReady"), cond("Ready"))
                    .withContainerStatuses(new ContainerStatusBuilder().withName(container.getName())
                            .withImage(container.getImage()).withReady(true).withStarted(true).withRestartCount(0)
                            .withState(new ContainerStateBuilder().withNewRunning().withStartedAt(startedAt)
                                    .endRunning().build()).build()).build());
            Long deadline = pod.getSpec().getActiveDeadlineSeconds();
            boolean inTime = deadline == null ? waitFor(p, Long.MAX_VALUE) : waitFor(p, deadline);
            if (!inTime) {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                }
            }
            running.remove(uid(pod));
            if (killing.containsKey(uid(pod))) {
                return; // being deleted: the final delete removes it
            }
            int code = p.exitValue();
            String message = code == 0 ? null : tail(log, 20);
            PodStatusBuilder st = new PodStatusBuilder().withPhase(code == 0 && inTime ? "Succeeded" : "Failed")
                    .withHostIP("127.0.0.1").withPodIP("127.0.0.1").withStartTime(startedAt)
                    .withConditions(cond("PodScheduled"))
                    .withContainerStatuses(new ContainerStatusBuilder().withName(container.getName())
                            .withImage(container.getImage()).withReady(false).withRestartCount(0)
                            .withState(new ContainerStateBuilder().withNewTerminated().withExitCode(code)
                                    .withReason(code == 0 ? "Completed" : "Error").withMessage(message)
                                    .withStartedAt(startedAt).withFinishedAt(now()).endTerminated().build()).build());
            if (!inTime) {
                st.withReason("DeadlineExceeded").withMessage("Pod was active on the node longer than the specified deadline");
            }
            status(ns, name, st.build());
        } catch (IOException e) {
            status(ns, name, new PodStatusBuilder().withPhase("Failed").withReason("UnexpectedAdmissionError")
                    .withMessage(e.getMessage()).build());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean waitFor(Process p, long seconds) throws InterruptedException {
        if (seconds == Long.MAX_VALUE) {
            p.waitFor();
            return true;
        }
        return p.waitFor(seconds, TimeUnit.SECONDS);
    }

    private static io.fabric8.kubernetes.api.model.PodCondition cond(String type) {
        return new PodConditionBuilder().withType(type).withStatus("True").withLastTransitionTime(now()).build();
    }

    private String resolve(Pod pod, EnvVar e) {
        if (e.getValueFrom() == null) {
            return e.getValue() == null ? "" : e.getValue();
        }
        if (e.getValueFrom().getFieldRef() != null) {
            String path = e.getValueFrom().getFieldRef().getFieldPath();
            switch (path) {
                case "metadata.name":
                    return pod.getMetadata().getName();
                case "metadata.namespace":
                    return pod.getMetadata().getNamespace();
                case "spec.nodeName":
                    return pod.getSpec().getNodeName();
                default:
                    return "";
            }
        }
        if (e.getValueFrom().getSecretKeyRef() != null) {
            Secret s = client.secrets().inNamespace(pod.getMetadata().getNamespace())
                    .withName(e.getValueFrom().getSecretKeyRef().getName()).get();
            String v = s == null || s.getData() == null ? null : s.getData().get(e.getValueFrom().getSecretKeyRef().getKey());
            return v == null ? "" : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
        }
        return "";
    }

    private void status(String ns, String name, PodStatus st) {
        for (int i = 0; i < 10; i++) {
            try {
                client.pods().inNamespace(ns).withName(name).editStatus(p -> new PodBuilder(p).withStatus(st).build());
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
            }
        }
    }

    private static String tail(Path log, int n) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return null;
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path f : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(f, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public void close() {
        informer.close();
        heartbeat.shutdownNow();
        running.values().forEach(Process::destroyForcibly);
        workers.shutdownNow();
    }
}
