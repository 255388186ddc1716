package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.Launcher;
import dev.athanor.controlplane.config.AthanorConfig;
import dev.athanor.common.secret.SecretStore;
import dev.athanor.launcher.local.Capacity;
import dev.athanor.launcher.local.FileSecretStore;
import dev.athanor.launcher.local.GpuInventory;
import dev.athanor.launcher.local.LocalLauncherConfig;
import dev.athanor.launcher.local.LocalProcessLauncher;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Binds the {@link LocalProcessLauncher} (workers as child processes; GPUs from nvidia-smi or CPU slots) for the
 * embedded default and single-server labs. Team secrets are 0600 files in {@code <athanor.home>/secrets/<team>/<name>}
 * ({@link FileSecretStore}), read at launch and handed to the workers of that team's jobs that name them only.
 */
public class LocalLauncherBinding implements LauncherBinding {
    private static final Logger LOG = Logger.getLogger(LocalLauncherBinding.class);

    private final LocalProcessLauncher launcher;
    private final FileSecretStore secrets;

    public LocalLauncherBinding(AthanorConfig config) {
        AthanorConfig.Local local = config.local();
        this.secrets = new FileSecretStore(Path.of(config.home(), "secrets"));
        for (Path legacy : secrets.legacyFiles()) {
            LOG.warnf("%s is ignored: secrets belong to teams now; store it again with "
                    + "PUT /api/v1/teams/{team}/secrets/%s and delete the file", legacy, legacy.getFileName());
        }
        Path jar = Path.of(local.workerJar()).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            LOG.warnf("worker jar %s does not exist yet: launches will fail until it is built "
                    + "(./mvnw -pl worker -am package)", jar);
        }
        LocalLauncherConfig.Builder b = LocalLauncherConfig.forWorkerJar(jar)
                .jvmOptions(local.workerJvmOptions())
                .workRoot(Path.of(local.workDir()))
                .kafkaBootstrap(config.kafka().bootstrapServers())
                .eventsTopic(config.kafka().topic())
                .cpuSlots(local.cpuSlots())
                .killGrace(config.stop().grace())
                .heartbeatSeconds(local.heartbeatSeconds())
                .nvidiaSmi(local.nvidiaSmi().orElse(null))
                .secrets(secrets)
                .env(pathEnv(config.paths().policy(config.home())))
                .newSession(true);
        local.javaCommand().ifPresent(j -> b.command(java.util.List.of(j, "-jar", jar.toString())));
        this.launcher = new LocalProcessLauncher(b.build());
        LOG.infof("local launcher: %d GPU(s), %d CPU slot(s), work root %s", launcher.capacity().totalGpus(),
                local.cpuSlots(), local.workDir());
    }

    /** The path policy as the worker reads it from its environment ({@code EngineContext.policy}): checked again there. */
    static Map<String, String> pathEnv(dev.athanor.common.spec.PathPolicy p) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("ATHANOR_PATH_READ_ROOTS", String.join(java.io.File.pathSeparator, p.readRoots()));
        env.put("ATHANOR_PATH_WRITE_ROOTS", String.join(java.io.File.pathSeparator, p.writeRoots()));
        env.put("ATHANOR_PATH_PROTECTED", String.join(java.io.File.pathSeparator, p.protectedRoots()));
        env.put("ATHANOR_PATH_PROTECTED_EXCEPTIONS", String.join(java.io.File.pathSeparator, p.exceptions()));
        return env;
    }

    @Override
    public SecretStore secrets() {
        return secrets;
    }

    @Override
    public Launcher launcher() {
        return launcher;
    }

    @Override
    public boolean fitsNow(Resources r) {
        Capacity c = launcher.capacity();
        if (r.gpusPerWorker() == 0) {
            return c.freeCpuSlots() >= r.workers();
        }
        if (r.gpuType() == null) {
            return c.freeGpus() >= r.totalGpus();
        }
        long free = c.freeGpuIndexes().stream()
                .filter(i -> launcher.gpus().byIndex(i).map(g -> g.matches(r.gpuType())).orElse(false)).count();
        return free >= r.totalGpus();
    }

    @Override
    public boolean anyFree() {
        Capacity c = launcher.capacity();
        return c.freeGpus() > 0 || c.freeCpuSlots() > 0;
    }

    @Override
    public String neverFits(Resources r) {
        return neverFits(r, launcher.capacity(), launcher.gpus());
    }

    @Override
    public String waitsFor(Resources r) {
        return waitsFor(r, launcher.gpus());
    }

    /** GPU jobs wait, not fail, while GPU discovery failed at start (nvidia-smi could not be run or read). */
    static String waitsFor(Resources r, GpuInventory gpus) {
        return r.gpusPerWorker() > 0 && gpus.problem() != null
                ? "GPU discovery failed when the control plane started (" + gpus.problem() + "); the job waits: fix "
                + "nvidia-smi and restart the control plane" : null;
    }

    static String neverFits(Resources r, Capacity c, GpuInventory gpus) {
        if (r.gpusPerWorker() > 0 && gpus.problem() != null) {
            return null; // the GPUs are unknown, not absent: never judge from a failed discovery
        }
        if (r.gpusPerWorker() == 0) {
            return r.workers() > c.cpuSlots() ? "needs " + r.workers() + " CPU worker slots; this machine has "
                    + c.cpuSlots() + " (athanor.local.cpu-slots)" : null;
        }
        if (r.gpuType() != null) {
            long ofType = gpus.gpus().stream().filter(g -> g.matches(r.gpuType())).count();
            if (r.totalGpus() > ofType) {
                return "needs " + r.totalGpus() + " GPU(s) of type " + r.gpuType() + "; this machine has " + ofType
                        + " of that type (" + c.totalGpusByModel() + ")";
            }
            return null;
        }
        if (r.totalGpus() > c.totalGpus()) {
            return "needs " + r.totalGpus() + " GPU(s) (" + r.workers() + " × " + r.gpusPerWorker()
                    + "); this machine has " + c.totalGpus() + (c.totalGpus() == 0 ? " (nvidia-smi found none)" : "");
        }
        return null;
    }

    @Override
    public String describeFree() {
        Capacity c = launcher.capacity();
        return c.freeGpus() + "/" + c.totalGpus() + " GPUs free, " + c.freeCpuSlots() + "/" + c.cpuSlots()
                + " CPU slots free";
    }

    @Override
    public Set<AttemptKey> recover(Predicate<AttemptKey> alreadyFinished) {
        return launcher.recover(alreadyFinished).reported();
    }

    @Override
    public List<dev.athanor.scheduler.Node> gpuNodes(Collection<String> catalog) {
        Capacity c = launcher.capacity();
        Set<Integer> free = new java.util.HashSet<>(c.freeGpuIndexes());
        Map<String, int[]> byFlavor = new java.util.TreeMap<>();
        for (GpuInventory.Gpu g : launcher.gpus().gpus()) {
            int[] n = byFlavor.computeIfAbsent(flavorOf(g, catalog), k -> new int[2]);
            n[0]++;
            if (free.contains(g.index())) {
                n[1]++;
            }
        }
        List<dev.athanor.scheduler.Node> nodes = new java.util.ArrayList<>();
        for (Map.Entry<String, int[]> e : byFlavor.entrySet()) {
            nodes.add(dev.athanor.scheduler.Node.of(nodeName(e.getKey(), byFlavor.size()), e.getKey(), e.getValue()[0],
                    e.getValue()[1]));
        }
        return nodes;
    }

    @Override
    public String flavorFor(String gpuType, Collection<String> catalog) {
        if (gpuType == null) {
            return null;
        }
        for (GpuInventory.Gpu g : launcher.gpus().gpus()) {
            String f = flavorOf(g, catalog);
            if (f.equals(gpuType) || g.matches(gpuType)) {
                return f;
            }
        }
        return gpuType;
    }

    /** One machine; one scheduler node per GPU model when models are mixed. */
    static String nodeName(String flavor, int flavors) {
        return flavors <= 1 ? "local" : "local/" + flavor;
    }

    /** The first catalog flavor this GPU matches, else a slug of its model name ({@code NVIDIA H200} → {@code nvidia-h200}). */
    static String flavorOf(GpuInventory.Gpu g, Collection<String> catalog) {
        for (String f : catalog) {
            if (g.matches(f)) {
                return f;
            }
        }
        String slug = g.name().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
        return slug.isEmpty() ? "gpu" : slug;
    }
}
