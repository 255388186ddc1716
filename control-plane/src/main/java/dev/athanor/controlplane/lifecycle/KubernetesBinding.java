package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobKind;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.Launcher;
import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.k8s.GpuCapacityView;
import dev.athanor.k8s.GpuFlavor;
import dev.athanor.k8s.KubernetesLauncher;
import dev.athanor.k8s.KubernetesLauncherBinding;
import dev.athanor.k8s.KubernetesLauncherConfig;
import dev.athanor.k8s.KubernetesSecretStore;
import dev.athanor.k8s.LeaderElection;
import dev.athanor.k8s.SharedVolume;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Worker pods through the Fabric8 client (module k8s), for a control plane installed in a GPU cluster. Several
 * replicas may run: all serve the API, only the holder of the Lease acts (launches, stops, settles, dispatches).
 */
public class KubernetesBinding implements LauncherBinding, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(KubernetesBinding.class);

    private final KubernetesClient client;
    private final LeaderElection election;
    private final KubernetesLauncherBinding binding;
    private final Launcher launcherPort;
    private final KubernetesSecretStore secrets;

    /** @param catalog the live GPU flavor catalog (the flavor API); it wins over {@code athanor.kubernetes.flavors} */
    public KubernetesBinding(AthanorConfig config, java.util.function.Supplier<Map<String, GpuFlavor>> catalog) {
        AthanorConfig.Kubernetes k = config.kubernetes();
        Config base = new ConfigBuilder().build();
        if (k.masterUrl().isPresent()) {
            base = new ConfigBuilder(base).withMasterUrl(k.masterUrl().get()).withTrustCerts(true).build();
        }
        // the API server records the user agent's first segment as the field manager of what this replica creates
        base = new ConfigBuilder(base).withUserAgent("athanor-" + k.identity() + "/control-plane").build();
        this.client = new KubernetesClientBuilder().withConfig(base).build();
        this.election = new LeaderElection(client, k.namespace(), k.leaseName(), k.identity(), k.leaseDuration(),
                k.renewDeadline(), k.retryPeriod());
        KubernetesLauncherConfig.Builder b = KubernetesLauncherConfig.builder(k.namespace(), k.image())
                .kafkaBootstrap(config.kafka().bootstrapServers())
                .eventsTopic(config.kafka().topic())
                .gpuResourceName(k.gpuResourceName())
                .heartbeatSeconds(config.local().heartbeatSeconds())
                .launchThreads(k.launchThreads())
                .catalog(catalog)
                .actingGate(election::isLeader);
        k.serviceAccount().ifPresent(b::serviceAccountName);
        // the worker confines spec paths again with the same roots (EngineContext.policy); the control plane's home is
        // not in the pod, so only the roots travel
        dev.athanor.common.spec.PathPolicy paths = config.paths().policy(config.home());
        if (!paths.readRoots().isEmpty()) {
            b.env("ATHANOR_PATH_READ_ROOTS", String.join(java.io.File.pathSeparator, paths.readRoots()));
        }
        if (!paths.writeRoots().isEmpty()) {
            b.env("ATHANOR_PATH_WRITE_ROOTS", String.join(java.io.File.pathSeparator, paths.writeRoots()));
        }
        for (Map.Entry<String, AthanorConfig.Kubernetes.Flavor> f : k.flavors().entrySet()) {
            b.flavor(new GpuFlavor(f.getKey(), f.getValue().nodeSelector(), List.of()));
        }
        for (Map.Entry<String, String> p : k.priorityClasses().entrySet()) {
            b.priorityClass(Priority.valueOf(p.getKey().toUpperCase(java.util.Locale.ROOT)), p.getValue());
        }
        engineImages(k.engineImages()).forEach(b::engineImage);
        for (Map.Entry<String, AthanorConfig.Kubernetes.Volume> v : k.volumes().entrySet()) {
            b.volume(new SharedVolume(v.getKey(), v.getValue().claimName(), v.getValue().mountPath(),
                    v.getValue().readOnly()));
        }
        KubernetesLauncherConfig cfg = b.build();
        KubernetesLauncher launcher = new KubernetesLauncher(client, cfg).start();
        this.binding = new KubernetesLauncherBinding(launcher, new GpuCapacityView(client, cfg).start());
        this.launcherPort = CrashPoint.wrap(launcher, config.test().crashPoint().orElse(""), launcher::onCreated);
        this.secrets = new KubernetesSecretStore(client, k.namespace(), cfg.secretKey());
        election.start();
        LOG.infof("kubernetes launcher: namespace %s, image %s, lease %s as %s", k.namespace(), k.image(),
                k.leaseName(), k.identity());
    }

    /** {@code athanor.kubernetes.engine-images.<KIND>}, with a clear error for a key that names no job kind. */
    static Map<JobKind, String> engineImages(Map<String, String> byName) {
        Map<JobKind, String> out = new java.util.EnumMap<>(JobKind.class);
        for (Map.Entry<String, String> e : byName.entrySet()) {
            String kind = e.getKey().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
            try {
                out.put(JobKind.valueOf(kind), e.getValue());
            } catch (IllegalArgumentException x) {
                throw new IllegalArgumentException("athanor.kubernetes.engine-images." + e.getKey()
                        + ": not a job kind; use one of " + java.util.Arrays.toString(JobKind.values()));
            }
        }
        return out;
    }

    @Override
    public Launcher launcher() {
        return launcherPort;
    }

    @Override
    public dev.athanor.common.secret.SecretStore secrets() {
        return secrets;
    }

    @Override
    public void onPending(java.util.function.Consumer<PendingNotice> listener) {
        binding.kubernetesLauncher().onPending(r -> listener.accept(new PendingNotice(r.key(), r.reason(),
                "worker " + r.worker() + ": " + r.message())));
    }

    @Override
    public boolean acting() {
        return election.isLeader();
    }

    @Override
    public boolean fitsNow(Resources r) {
        return binding.fitsNow(r);
    }

    @Override
    public boolean anyFree() {
        return binding.anyFree();
    }

    @Override
    public String neverFits(Resources r) {
        return binding.neverFits(r);
    }

    @Override
    public String waitsFor(Resources r) {
        return binding.waitsFor(r);
    }

    @Override
    public String describeFree() {
        return binding.describeFree();
    }

    @Override
    public Set<AttemptKey> recover(Predicate<AttemptKey> alreadyFinished) {
        return binding.recover(alreadyFinished);
    }

    @Override
    public List<dev.athanor.scheduler.Node> gpuNodes(java.util.Collection<String> catalog) {
        List<dev.athanor.scheduler.Node> out = new java.util.ArrayList<>();
        for (dev.athanor.k8s.ClusterCapacity.NodeGpus n : binding.capacity().nodes()) {
            out.add(dev.athanor.scheduler.Node.of(n.name(), n.flavor(), n.allocatable(),
                    Math.min(n.allocatable(), n.free())));
        }
        return out;
    }

    @Override
    public void close() {
        election.close();
        binding.close();
        client.close();
    }
}
