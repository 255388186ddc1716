package dev.athanor.launcher.local;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.Launcher;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.launch.WorkerJob;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Runs every worker of an attempt as a child process of this JVM (the control plane on one machine).
 *
 * <p>Work directory layout: {@code <workRoot>/<attemptKey.name()>/launch.json} (the attempt: key, workers, GPUs, CPU
 * slots, deadline), {@code exit.json} (the {@link AttemptExit} once reported) and per worker
 * {@code worker-<i>/job.json}, {@code worker.log} (stdout+stderr), {@code worker.pid} (pid and start instant),
 * {@code exit-code} (when known).
 *
 * <p>Lifecycle: construct, register {@link #onExit}, call {@link #recover} once (adopts workers a previous control
 * plane left running), then launch/stop. {@link #close()} stops observing without killing any worker;
 * {@link #stopAll(Duration)} is the explicit "stop everything" for a clean shutdown the user asked for.
 */
public final class LocalProcessLauncher implements Launcher {

    private static final System.Logger LOG = System.getLogger(LocalProcessLauncher.class.getName());

    static final String LAUNCH_FILE = "launch.json";
    static final String EXIT_FILE = "exit.json";
    static final String JOB_FILE = "job.json";
    static final String LOG_FILE = "worker.log";
    static final String PID_FILE = "worker.pid";
    static final String EXIT_CODE_FILE = "exit-code";

    public static final String REASON_COMPLETED = "Completed";
    public static final String REASON_ERROR = "Error";
    public static final String REASON_KILLED = "Killed";
    public static final String REASON_TERMINATED = "Terminated";
    public static final String REASON_DEADLINE = "DeadlineExceeded";
    public static final String REASON_LOST = "Lost";
    public static final String REASON_ADOPTED_EXITED = "Adopted process exited";

    private final LocalLauncherConfig config;
    private final GpuInventory inventory;
    private final Optional<Path> setsid;

    private final Map<AttemptKey, Run> runs = new ConcurrentHashMap<>();
    private final Object launchLock = new Object();

    private final Object resLock = new Object();
    private final Set<Integer> busyGpus = new HashSet<>(); // guarded by resLock
    private int usedSlots; // guarded by resLock

    private final ExecutorService events;
    private final ScheduledExecutorService timers;
    private final Executor eventExecutor;
    private volatile boolean closed;

    // touched only on the events thread
    private Consumer<AttemptExit> listener;
    private final List<AttemptExit> undelivered = new ArrayList<>();

    /** Discovers GPUs with the configured nvidia-smi. */
    public LocalProcessLauncher(LocalLauncherConfig config) {
        this(config, GpuInventory.discover(config.nvidiaSmi(), Duration.ofSeconds(20)));
    }

    public LocalProcessLauncher(LocalLauncherConfig config, GpuInventory gpus) {
        this.config = config;
        this.inventory = gpus;
        this.setsid = config.newSession() ? ProcessTools.findExecutable("setsid") : Optional.empty();
        if (config.newSession() && setsid.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "setsid not found: workers share the control plane's session");
        }
        try {
            ProcessTools.createPrivateDirectories(config.workRoot());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create work root " + config.workRoot(), e);
        }
        this.events = Executors.newSingleThreadExecutor(daemon("athanor-local-launcher-events"));
        this.timers = Executors.newSingleThreadScheduledExecutor(daemon("athanor-local-launcher-timers"));
        this.eventExecutor = cmd -> {
            if (closed) {
                return;
            }
            try {
                events.execute(cmd);
            } catch (RejectedExecutionException e) {
                // closed meanwhile: stop observing
            }
        };
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    @Override
    public String name() {
        return "local";
    }

    public LocalLauncherConfig config() {
        return config;
    }

    public GpuInventory gpus() {
        return inventory;
    }

    /** The directory of an attempt: {@code <workRoot>/<key.name()>}. */
    public Path workDir(AttemptKey key) {
        return config.workRoot().resolve(key.name());
    }

    /** The directory of one worker of an attempt: {@code <workRoot>/<key.name()>/worker-<i>}. */
    public Path workerDir(AttemptKey key, int worker) {
        return workDir(key).resolve("worker-" + worker);
    }

    /** The log (stdout and stderr) of one worker. */
    public Path logFile(AttemptKey key, int worker) {
        return workerDir(key, worker).resolve(LOG_FILE);
    }

    // ------------------------------------------------------------------------------------------------ capacity

    /** Total and free GPUs (by model) and CPU slots, for the scheduler. */
    public Capacity capacity() {
        synchronized (resLock) {
            Map<String, Integer> total = new TreeMap<>();
            Map<String, Integer> free = new TreeMap<>();
            List<Integer> freeIdx = new ArrayList<>();
            for (GpuInventory.Gpu g : inventory.gpus()) {
                total.merge(g.name(), 1, Integer::sum);
                if (!busyGpus.contains(g.index())) {
                    free.merge(g.name(), 1, Integer::sum);
                    freeIdx.add(g.index());
                }
            }
            return new Capacity(total, free, freeIdx, inventory.count(), freeIdx.size(), config.cpuSlots(),
                    Math.max(0, config.cpuSlots() - usedSlots));
        }
    }

    private record Allocation(Map<Integer, List<Integer>> gpus, int slots) {
        List<Integer> allGpus() {
            return gpus.values().stream().flatMap(List::stream).toList();
        }
    }

    private Allocation allocate(LaunchRequest req) throws LaunchException {
        Resources r = req.resources() != null ? req.resources() : req.job().resources();
        if (r == null) {
            r = Resources.DEFAULT;
        }
        int n = r.workers();
        int g = r.gpusPerWorker();
        synchronized (resLock) {
            if (g == 0) {
                if (req.gpuIds().values().stream().anyMatch(l -> l != null && !l.isEmpty())) {
                    throw new LaunchException("attempt " + req.key() + " asks for 0 GPUs per worker but was assigned GPUs "
                            + req.gpuIds(), false, null);
                }
                if (n > config.cpuSlots()) {
                    throw new LaunchException("attempt " + req.key() + " needs " + n + " CPU slot(s); this machine has "
                            + config.cpuSlots(), false, null);
                }
                int free = config.cpuSlots() - usedSlots;
                if (n > free) {
                    throw new LaunchException("attempt " + req.key() + " needs " + n + " CPU slot(s); " + Math.max(0, free)
                            + " of " + config.cpuSlots() + " free", true, null);
                }
                Map<Integer, List<Integer>> none = new TreeMap<>();
                for (int i = 0; i < n; i++) {
                    none.put(i, List.of());
                }
                usedSlots += n;
                return new Allocation(none, n);
            }
            Map<Integer, List<Integer>> out = new TreeMap<>();
            if (!req.gpuIds().isEmpty()) {
                Set<Integer> seen = new HashSet<>();
                List<Integer> busy = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    List<Integer> ids = req.gpuIds().get(i);
                    if (ids == null || ids.size() != g) {
                        throw new LaunchException("attempt " + req.key() + ": worker " + i + " must be assigned exactly "
                                + g + " GPU(s), got " + ids, false, null);
                    }
                    for (int id : ids) {
                        if (inventory.byIndex(id).isEmpty()) {
                            throw new LaunchException("attempt " + req.key() + " was assigned GPU " + id
                                    + ", which this machine does not have (GPUs: " + indexes(inventory.gpus()) + ")",
                                    false, null);
                        }
                        if (!seen.add(id)) {
                            throw new LaunchException("attempt " + req.key() + " was assigned GPU " + id + " twice",
                                    false, null);
                        }
                        if (busyGpus.contains(id)) {
                            busy.add(id);
                        }
                    }
                    out.put(i, List.copyOf(ids));
                }
                if (!busy.isEmpty()) {
                    throw new LaunchException("attempt " + req.key() + " was assigned GPU(s) " + busy
                            + " that another attempt is using", true, null);
                }
            } else {
                String type = r.gpuType();
                List<GpuInventory.Gpu> matching = inventory.gpus().stream().filter(x -> x.matches(type)).toList();
                int need = n * g;
                String what = need + " GPU(s)" + (type == null ? "" : " of type " + type);
                if (matching.size() < need) {
                    throw new LaunchException("attempt " + req.key() + " needs " + what + "; this machine has "
                            + matching.size() + describe(inventory.gpus()), false, null);
                }
                List<Integer> free = matching.stream().map(GpuInventory.Gpu::index)
                        .filter(i -> !busyGpus.contains(i)).toList();
                if (free.size() < need) {
                    throw new LaunchException("attempt " + req.key() + " needs " + what + "; " + free.size() + " of "
                            + matching.size() + " free", true, null);
                }
                for (int i = 0; i < n; i++) {
                    out.put(i, List.copyOf(free.subList(i * g, (i + 1) * g)));
                }
            }
            out.values().forEach(busyGpus::addAll);
            return new Allocation(out, 0);
        }
    }

    private static List<Integer> indexes(List<GpuInventory.Gpu> gpus) {
        return gpus.stream().map(GpuInventory.Gpu::index).toList();
    }

    private static String describe(List<GpuInventory.Gpu> gpus) {
        if (gpus.isEmpty()) {
            return " (no GPUs found)";
        }
        return " (" + gpus.stream().collect(Collectors.groupingBy(GpuInventory.Gpu::name, TreeMap::new,
                Collectors.counting())).entrySet().stream().map(e -> e.getValue() + "x " + e.getKey())
                .collect(Collectors.joining(", ")) + ")";
    }

    /** Reserves resources recorded for an adopted attempt (a conflict is logged, not refused: the processes run). */
    private void reserve(Map<Integer, List<Integer>> gpus, int slots, AttemptKey key) {
        synchronized (resLock) {
            for (List<Integer> l : gpus.values()) {
                for (int id : l) {
                    if (!busyGpus.add(id)) {
                        LOG.log(System.Logger.Level.WARNING, "adopted attempt {0} uses GPU {1}, already reserved", key, id);
                    }
                }
            }
            usedSlots += slots;
        }
    }

    private void release(Allocation a) {
        synchronized (resLock) {
            a.allGpus().forEach(busyGpus::remove);
            usedSlots = Math.max(0, usedSlots - a.slots());
        }
    }

    // ------------------------------------------------------------------------------------------------ launch

    @Override
    public void launch(LaunchRequest request) throws LaunchException {
        if (closed) {
            throw new LaunchException("local launcher is closed", true, null);
        }
        AttemptKey key = request.key();
        synchronized (launchLock) {
            if (runs.containsKey(key)) {
                LOG.log(System.Logger.Level.DEBUG, "attempt {0} already running: launch is a no-op", key);
                return;
            }
            // A control plane that crashed after launching may not have recovered yet: adopt live workers on disk.
            Optional<AttemptRecord> onDisk = readRecord(workDir(key));
            if (onDisk.isPresent() && onDisk.get().key().equals(key) && adopt(onDisk.get(), true)) {
                LOG.log(System.Logger.Level.INFO, "attempt {0} was already running: adopted", key);
                return;
            }
            Map<String, String> secrets = secretsOf(request);
            Allocation alloc = allocate(request);
            try {
                Run run = start(request, alloc, secrets);
                runs.put(key, run);
                for (Worker w : run.workers) {
                    observe(run, w);
                }
                scheduleDeadline(run);
            } catch (LaunchException | RuntimeException e) {
                release(alloc);
                throw e;
            }
        }
    }

    /** Variables of the control plane's environment a worker inherits: tool paths, locale, caches, proxies. */
    static final java.util.Set<String> INHERITED_ENV = java.util.Set.of("PATH", "HOME", "USER", "LOGNAME", "LANG",
            "LANGUAGE", "TZ", "TMPDIR", "SHELL", "TERM", "JAVA_HOME", "LD_LIBRARY_PATH", "PYTHONPATH", "VIRTUAL_ENV",
            "CONDA_PREFIX", "SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "HTTP_PROXY", "HTTPS_PROXY",
            "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SYSTEMROOT");
    /** Prefixes of inherited variables (GPU, NCCL and model-hub settings). */
    static final List<String> INHERITED_PREFIXES = List.of("LC_", "NVIDIA_", "CUDA_", "NCCL_", "HF_", "TRANSFORMERS_",
            "TORCH_");

    /** Whether a worker inherits this variable of the control plane's environment (issue 8, defect 4). */
    static boolean inheritable(String name) {
        return INHERITED_ENV.contains(name) || INHERITED_PREFIXES.stream().anyMatch(name::startsWith);
    }

    /** The values of the secrets a request names, read from its own team's secrets only. */
    private Map<String, String> secretsOf(LaunchRequest request) throws LaunchException {
        String team = request.job() == null ? null : request.job().team();
        Map<String, String> values = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String s : request.secretNames()) {
            Optional<String> v = team == null ? Optional.empty() : config.secrets().value(team, s);
            if (v.isPresent()) {
                values.put(s, v.get());
            } else {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            throw new LaunchException("attempt " + request.key() + " needs secret(s) " + missing + " that team " + team
                    + " does not have", false, null);
        }
        return values;
    }

    private Run start(LaunchRequest req, Allocation alloc, Map<String, String> secrets) throws LaunchException {
        AttemptKey key = req.key();
        Path dir = workDir(key);
        int n = alloc.gpus().size();
        Instant now = Instant.now();
        Duration max = req.maxRuntime();
        Instant deadline = max.isZero() || max.isNegative() ? null : now.plus(max);
        boolean session = setsid.isPresent();
        AttemptRecord rec = new AttemptRecord(key.jobId(), key.attempt(), n, alloc.gpus(), alloc.slots(), now,
                deadline, session);
        int port = ProcessTools.freePort();
        Resources res = req.resources() != null ? req.resources() : req.job().resources();
        int nprocPerNode = Math.max(1, res == null ? 1 : res.gpusPerWorker());
        String exe = config.workerCommand().get(0);
        if (ProcessTools.findExecutable(exe).isEmpty()) {
            throw new LaunchException("attempt " + key + " could not start: worker command " + exe
                    + " is not an executable file", false, null);
        }
        List<Worker> started = new ArrayList<>();
        try {
            ProcessTools.createPrivateDirectories(dir);
            Files.deleteIfExists(dir.resolve(EXIT_FILE));
            ProcessTools.writeAtomically(dir.resolve(LAUNCH_FILE), Json.write(rec));
            for (int i = 0; i < n; i++) {
                Path wdir = dir.resolve("worker-" + i);
                ProcessTools.createPrivateDirectories(wdir);
                Files.deleteIfExists(wdir.resolve(EXIT_CODE_FILE));
                Files.deleteIfExists(wdir.resolve(PID_FILE));
                Path log = wdir.resolve(LOG_FILE);
                if (Files.exists(log)) {
                    Files.move(log, wdir.resolve(LOG_FILE + ".prev"), StandardCopyOption.REPLACE_EXISTING);
                }
                WorkerJob job = req.job();
                WorkerJob mine = new WorkerJob(job.jobId(), job.attempt(), i, job.name(), job.team(), job.kind(),
                        job.resources(), job.spec());
                Path jobFile = wdir.resolve(JOB_FILE);
                ProcessTools.writeAtomically(jobFile, Json.write(mine));

                List<String> cmd = new ArrayList<>();
                setsid.ifPresent(s -> cmd.add(s.toString()));
                cmd.addAll(config.workerCommand());
                ProcessTools.privateFile(log);
                ProcessBuilder pb = new ProcessBuilder(cmd).directory(wdir.toFile())
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
                Map<String, String> env = pb.environment();
                // an allowlist, never the control plane's own environment (QUARKUS_DATASOURCE_PASSWORD, tokens, …)
                env.keySet().removeIf(k -> !inheritable(k));
                env.remove(WorkerContract.CUDA_VISIBLE_DEVICES);
                env.putAll(config.env());
                env.put(WorkerContract.JOB_FILE, jobFile.toString());
                env.put(WorkerContract.JOB_ID, key.jobId().toString());
                env.put(WorkerContract.ATTEMPT, Integer.toString(key.attempt()));
                env.put(WorkerContract.WORKER_INDEX, Integer.toString(i));
                if (config.kafkaBootstrap() != null) {
                    env.put(WorkerContract.KAFKA_BOOTSTRAP, config.kafkaBootstrap());
                }
                env.put(WorkerContract.EVENTS_TOPIC, config.eventsTopic());
                env.put(WorkerContract.WORK_DIR, wdir.toString());
                env.put(WorkerContract.HEARTBEAT_SECONDS, Integer.toString(config.heartbeatSeconds()));
                env.put(WorkerContract.CUDA_VISIBLE_DEVICES, cudaDevices(alloc.gpus().get(i)));
                env.put("CUDA_DEVICE_ORDER", "PCI_BUS_ID");
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(port));
                env.put("NNODES", Integer.toString(n));
                env.put("NODE_RANK", Integer.toString(i));
                env.put("NPROC_PER_NODE", Integer.toString(nprocPerNode));
                for (Map.Entry<String, String> s : secrets.entrySet()) {
                    env.put(WorkerContract.secretEnvName(s.getKey()), s.getValue());
                }
                if (req.eventKey() != null) {
                    // only in the child's environment: never in launch.json or a log line
                    env.put(WorkerContract.EVENT_KEY, req.eventKey().encoded());
                }
                Process p = pb.start();
                try {
                    p.getOutputStream().close();
                } catch (IOException ignored) {
                    // stdin is not used
                }
                Instant startedAt = p.info().startInstant().orElse(Instant.now());
                Worker w = new Worker(i, wdir, p.pid(), p.toHandle(), p, startedAt, false);
                started.add(w);
                ProcessTools.writeAtomically(wdir.resolve(PID_FILE), p.pid() + "\n" + startedAt + "\n");
            }
        } catch (IOException | UncheckedIOException e) {
            started.forEach(w -> ProcessTools.killTree(w.handle));
            throw new LaunchException("attempt " + key + " could not start: " + e.getMessage(), false, e);
        }
        LOG.log(System.Logger.Level.INFO, "launched attempt {0}: {1} worker(s), pids {2}, GPUs {3}", key, n,
                started.stream().map(w -> w.pid).toList(), alloc.gpus());
        return new Run(key, dir, started, alloc, deadline, session, false);
    }

    private static String cudaDevices(List<Integer> ids) {
        return ids == null ? "" : ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private void observe(Run run, Worker w) {
        CompletableFuture<?> f = w.process != null ? w.process.onExit() : w.handle.onExit();
        f.whenCompleteAsync((x, err) -> workerExited(run, w), eventExecutor);
    }

    private void scheduleDeadline(Run run) {
        if (run.deadline == null) {
            return;
        }
        long delay = Math.max(0, Duration.between(Instant.now(), run.deadline).toMillis());
        try {
            ScheduledFuture<?> task = timers.schedule(() -> {
                synchronized (run) {
                    if (run.finished || run.stopRequested) {
                        return;
                    }
                    run.deadlineExceeded = true;
                }
                LOG.log(System.Logger.Level.INFO, "attempt {0} passed its deadline {1}: stopping", run.key, run.deadline);
                stopRun(run, config.killGrace());
            }, delay, TimeUnit.MILLISECONDS);
            synchronized (run) {
                if (run.finished) {
                    task.cancel(false);
                } else {
                    run.deadlineTask = task;
                }
            }
        } catch (RejectedExecutionException e) {
            // closed
        }
    }

    // ------------------------------------------------------------------------------------------------ exits

    private void workerExited(Run run, Worker w) {
        if (closed) {
            return;
        }
        Integer code = w.process != null ? Integer.valueOf(w.process.exitValue()) : readExitCode(w.dir).orElse(null);
        if (w.process != null) {
            try {
                ProcessTools.writeAtomically(w.dir.resolve(EXIT_CODE_FILE), code + "\n");
            } catch (UncheckedIOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot record exit code of {0}: {1}", w.dir, e.getMessage());
            }
        }
        if (run.session) {
            int n = ProcessTools.killSession(w.pid, w.startedAt);
            if (n > 0) {
                LOG.log(System.Logger.Level.INFO, "killed {0} leftover process(es) of attempt {1} worker {2}", n,
                        run.key, w.index);
            }
        }
        boolean teardown = false;
        synchronized (run) {
            if (run.finished || w.exited) {
                return;
            }
            w.exited = true;
            w.exitCode = code;
            boolean failed = code == null || code != 0;
            if (failed && run.firstFailure == null) {
                run.firstFailure = w;
                teardown = run.workers.stream().anyMatch(o -> !o.exited);
            }
            if (run.workers.stream().allMatch(o -> o.exited)) {
                finish(run);
                return;
            }
        }
        if (teardown) {
            LOG.log(System.Logger.Level.INFO, "attempt {0}: worker {1} failed, stopping the rest of the gang", run.key,
                    w.index);
            stopRun(run, config.killGrace());
        }
    }

    /** Called with the run's lock held once every worker has exited. */
    private void finish(Run run) {
        run.finished = true;
        if (run.deadlineTask != null) {
            run.deadlineTask.cancel(false);
        }
        release(run.alloc);
        runs.remove(run.key, run);
        AttemptExit exit = describeExit(run);
        try {
            ProcessTools.writeAtomically(run.dir.resolve(EXIT_FILE), Json.write(exit));
        } catch (UncheckedIOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot record exit of {0}: {1}", run.key, e.getMessage());
        }
        LOG.log(System.Logger.Level.INFO, "attempt {0} ended: {1} ({2})", run.key, exit.reason(), exit.message());
        run.done.complete(exit);
        deliver(exit);
    }

    private AttemptExit describeExit(Run run) {
        int n = run.workers.size();
        boolean ok = run.workers.stream().allMatch(w -> w.exitCode != null && w.exitCode == 0);
        if (ok) {
            return new AttemptExit(run.key, true, 0, REASON_COMPLETED,
                    n == 1 ? "worker 0 exited with code 0" : "all " + n + " workers exited with code 0", List.of());
        }
        Worker f = run.firstFailure != null ? run.firstFailure
                : run.workers.stream().filter(w -> w.exitCode == null || w.exitCode != 0).findFirst().orElseThrow();
        int code = f.exitCode == null ? -1 : f.exitCode;
        String reason;
        String msg;
        if (f.exitCode == null) {
            reason = f.adopted ? REASON_ADOPTED_EXITED : REASON_LOST;
            msg = "worker " + f.index + " (pid " + f.pid + ") " + (f.adopted
                    ? "was adopted after a restart and exited; its exit code is unknown"
                    : "is gone and its exit code is unknown");
        } else {
            reason = switch (code) {
                case 137 -> REASON_KILLED;
                case WorkerContract.EXIT_TERMINATED -> REASON_TERMINATED;
                default -> REASON_ERROR;
            };
            msg = "worker " + f.index + " exited with code " + code;
        }
        if (run.deadlineExceeded) {
            reason = REASON_DEADLINE;
            msg = "attempt ran past its deadline " + run.deadline + " and was stopped; " + msg;
        } else if (run.stopRequested && run.firstFailure != null && !run.teardown) {
            msg = msg + " after a stop request";
        }
        if (n > 1 && run.teardown) {
            msg = msg + "; the other workers were stopped";
        }
        return new AttemptExit(run.key, false, code, reason, msg,
                ProcessTools.tail(f.dir.resolve(LOG_FILE), config.logTailLines()));
    }

    private void deliver(AttemptExit exit) {
        eventExecutor.execute(() -> {
            if (listener == null) {
                undelivered.add(exit);
            } else {
                call(listener, exit);
            }
        });
    }

    private static void call(Consumer<AttemptExit> l, AttemptExit exit) {
        try {
            l.accept(exit);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "exit listener failed for " + exit.key(), e);
        }
    }

    /** Registers the exit listener; exits observed before registration are delivered to it now, in order. */
    @Override
    public void onExit(Consumer<AttemptExit> l) {
        eventExecutor.execute(() -> {
            listener = l;
            List<AttemptExit> pending = new ArrayList<>(undelivered);
            undelivered.clear();
            if (l != null) {
                pending.forEach(e -> call(l, e));
            }
        });
    }

    // ------------------------------------------------------------------------------------------------ stop

    /** SIGTERM to every live worker, SIGKILL (to the worker and its descendants) after {@code grace}. Idempotent. */
    @Override
    public void stop(AttemptKey key, Duration grace) {
        Run run;
        synchronized (launchLock) {
            run = runs.get(key);
        }
        if (run == null) {
            return;
        }
        synchronized (run) {
            if (run.finished) {
                return;
            }
            run.stopRequested = true;
        }
        stopRun(run, grace == null ? config.killGrace() : grace);
    }

    private void stopRun(Run run, Duration grace) {
        synchronized (run) {
            if (run.finished) {
                return;
            }
            if (!run.stopRequested && !run.deadlineExceeded) {
                run.teardown = true; // a gang member failed
            }
            run.stopRequested = true;
        }
        List<Worker> alive = run.workers.stream().filter(Worker::alive).toList();
        if (grace.isZero() || grace.isNegative()) {
            alive.forEach(w -> ProcessTools.killTree(w.handle));
            return;
        }
        alive.forEach(w -> w.handle.destroy());
        try {
            timers.schedule(() -> run.workers.stream().filter(Worker::alive).forEach(w -> {
                LOG.log(System.Logger.Level.INFO, "attempt {0} worker {1} still alive after {2}: SIGKILL", run.key,
                        w.index, grace);
                ProcessTools.killTree(w.handle);
            }), grace.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed: the caller asked us to stop observing
        }
    }

    /**
     * Stops every attempt (SIGTERM, SIGKILL after {@code grace}) and waits until all have exited, for a clean shutdown
     * the user asked for. Returns whether all exited within {@code grace} plus 10 seconds.
     */
    public boolean stopAll(Duration grace) {
        List<Run> all = new ArrayList<>(runs.values());
        all.forEach(r -> stop(r.key, grace));
        CompletableFuture<?>[] dones = all.stream().map(r -> r.done).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(dones).get(grace.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public Set<AttemptKey> active() {
        return Set.copyOf(runs.keySet());
    }

    /** A future completed with the attempt's exit, if this launcher is tracking the attempt. */
    public Optional<CompletableFuture<AttemptExit>> exitOf(AttemptKey key) {
        Run r = runs.get(key);
        return r == null ? Optional.empty() : Optional.of(r.done.copy());
    }

    /** Stops observing; workers keep running (a restarted control plane adopts them with {@link #recover}). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        timers.shutdownNow();
        events.shutdownNow();
        runs.clear(); // no longer observed; the processes keep running
    }

    // ------------------------------------------------------------------------------------------------ cleanup

    /**
     * Deletes the work directory of an attempt that is not running (its logs and files). Returns false when there was
     * nothing to delete. Throws {@link IllegalStateException} for an attempt that is still active.
     */
    public boolean cleanup(AttemptKey key) {
        if (runs.containsKey(key)) {
            throw new IllegalStateException("attempt " + key + " is still running");
        }
        Path dir = workDir(key);
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    // ------------------------------------------------------------------------------------------------ recovery

    /** {@link #recover(Predicate)} with a set of attempts the caller already considers finished. */
    public RecoveryReport recover(Set<AttemptKey> alreadyFinished) {
        Set<AttemptKey> done = alreadyFinished == null ? Set.of() : alreadyFinished;
        return recover(done::contains);
    }

    /**
     * Scans the work root for attempts this launcher does not track. Attempts with a live worker (same pid and start
     * instant as in {@code worker.pid}) are adopted: tracked, their GPUs and slots reserved again, their deadline
     * enforced, their exit reported. Attempts whose workers are all gone are reported through the exit listener
     * (the exit recorded in {@code exit.json}, else from {@code exit-code} files, else {@code Lost}) unless
     * {@code alreadyFinished} says the caller has settled them.
     */
    public RecoveryReport recover(Predicate<AttemptKey> alreadyFinished) {
        Set<AttemptKey> adopted = new TreeSet<>(Comparator.comparing(AttemptKey::toString));
        Set<AttemptKey> reported = new TreeSet<>(Comparator.comparing(AttemptKey::toString));
        Set<AttemptKey> skipped = new TreeSet<>(Comparator.comparing(AttemptKey::toString));
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(config.workRoot(), Files::isDirectory)) {
            ds.forEach(dirs::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan " + config.workRoot(), e);
        }
        dirs.sort(Comparator.naturalOrder());
        for (Path dir : dirs) {
            Optional<AttemptRecord> rec = readRecord(dir);
            if (rec.isEmpty()) {
                continue;
            }
            AttemptKey key = rec.get().key();
            synchronized (launchLock) {
                if (runs.containsKey(key)) {
                    continue;
                }
                if (adopt(rec.get(), false)) {
                    adopted.add(key);
                    continue;
                }
            }
            if (alreadyFinished.test(key)) {
                skipped.add(key);
                continue;
            }
            deliver(goneExit(dir, rec.get()));
            reported.add(key);
        }
        if (!adopted.isEmpty() || !reported.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "recovered work root {0}: adopted {1}, reported {2}, skipped {3}",
                    config.workRoot(), adopted, reported, skipped.size());
        }
        return new RecoveryReport(adopted, reported, skipped);
    }

    /** Adopts the attempt when at least one of its workers is alive. Called with launchLock held. */
    private boolean adopt(AttemptRecord rec, boolean fromLaunch) {
        AttemptKey key = rec.key();
        Path dir = workDir(key);
        if (!dir.getFileName().toString().equals(key.name())) {
            return false;
        }
        List<Worker> workers = new ArrayList<>();
        boolean anyAlive = false;
        for (int i = 0; i < rec.workers(); i++) {
            Path wdir = dir.resolve("worker-" + i);
            Optional<PidRecord> pid = readPid(wdir);
            Optional<ProcessHandle> h = pid.flatMap(p -> ProcessTools.find(p.pid(), p.startedAt()));
            if (h.isPresent()) {
                anyAlive = true;
                workers.add(new Worker(i, wdir, h.get().pid(), h.get(), null, pid.get().startedAt(), true));
            } else {
                Worker w = new Worker(i, wdir, pid.map(PidRecord::pid).orElse(-1L), null, null,
                        pid.map(PidRecord::startedAt).orElse(null), true);
                w.exited = true;
                w.exitCode = readExitCode(wdir).orElse(null);
                workers.add(w);
            }
        }
        if (!anyAlive) {
            return false;
        }
        Allocation alloc = new Allocation(rec.gpus() == null ? Map.of() : rec.gpus(), rec.cpuSlots());
        reserve(alloc.gpus(), alloc.slots(), key);
        Run run = new Run(key, dir, workers, alloc, rec.deadline(), rec.newSession(), true);
        Worker failed = workers.stream().filter(w -> w.exited && (w.exitCode == null || w.exitCode != 0))
                .findFirst().orElse(null);
        run.firstFailure = failed;
        runs.put(key, run);
        LOG.log(System.Logger.Level.INFO, "adopted attempt {0}{1}: pids {2}", key, fromLaunch ? " (on launch)" : "",
                workers.stream().filter(w -> !w.exited).map(w -> w.pid).toList());
        for (Worker w : workers) {
            if (!w.exited) {
                observe(run, w);
            }
        }
        scheduleDeadline(run);
        if (failed != null) {
            stopRun(run, config.killGrace()); // a gang that lost a member is torn down
        }
        return true;
    }

    private AttemptExit goneExit(Path dir, AttemptRecord rec) {
        AttemptKey key = rec.key();
        Path exitFile = dir.resolve(EXIT_FILE);
        if (Files.isRegularFile(exitFile)) {
            try {
                AttemptExit recorded = Json.lenient().readValue(exitFile.toFile(), AttemptExit.class);
                if (key.equals(recorded.key())) {
                    return recorded;
                }
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "unreadable {0}: {1}", exitFile, e.getMessage());
            }
        }
        List<Worker> workers = new ArrayList<>();
        for (int i = 0; i < rec.workers(); i++) {
            Path wdir = dir.resolve("worker-" + i);
            Worker w = new Worker(i, wdir, readPid(wdir).map(PidRecord::pid).orElse(-1L), null, null, null, false);
            w.exited = true;
            w.exitCode = readExitCode(wdir).orElse(null);
            workers.add(w);
        }
        boolean ok = !workers.isEmpty() && workers.stream().allMatch(w -> w.exitCode != null && w.exitCode == 0);
        if (ok) {
            return new AttemptExit(key, true, 0, REASON_COMPLETED,
                    "all workers exited with code 0 while the launcher was not watching", List.of());
        }
        Worker f = workers.stream().filter(w -> w.exitCode != null && w.exitCode != 0).findFirst()
                .orElse(workers.stream().filter(w -> w.exitCode == null).findFirst().orElse(null));
        if (f == null) {
            return new AttemptExit(key, false, -1, REASON_LOST, "attempt has no workers on disk", List.of());
        }
        List<String> tail = ProcessTools.tail(f.dir.resolve(LOG_FILE), config.logTailLines());
        if (f.exitCode == null) {
            return new AttemptExit(key, false, -1, REASON_LOST, "worker " + f.index + " (pid " + f.pid
                    + ") is gone and its exit code is unknown; it ended while the launcher was not running", tail);
        }
        String reason = switch (f.exitCode) {
            case 137 -> REASON_KILLED;
            case WorkerContract.EXIT_TERMINATED -> REASON_TERMINATED;
            default -> REASON_ERROR;
        };
        return new AttemptExit(key, false, f.exitCode, reason, "worker " + f.index + " exited with code " + f.exitCode
                + " while the launcher was not watching", tail);
    }

    // ------------------------------------------------------------------------------------------------ files

    /** The content of {@code launch.json}. */
    record AttemptRecord(UUID jobId, int attempt, int workers, Map<Integer, List<Integer>> gpus, int cpuSlots,
                         Instant launchedAt, Instant deadline, boolean newSession) {
        AttemptKey key() {
            return new AttemptKey(jobId, attempt);
        }
    }

    record PidRecord(long pid, Instant startedAt) {
    }

    static Optional<AttemptRecord> readRecord(Path dir) {
        Path f = dir.resolve(LAUNCH_FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.lenient().readValue(f.toFile(), AttemptRecord.class));
        } catch (JsonProcessingException e) {
            LOG.log(System.Logger.Level.WARNING, "unreadable {0}: {1}", f, e.getOriginalMessage());
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    static Optional<PidRecord> readPid(Path workerDir) {
        try {
            List<String> lines = Files.readAllLines(workerDir.resolve(PID_FILE), StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            long pid = Long.parseLong(lines.get(0).strip());
            Instant started = lines.size() > 1 && !lines.get(1).isBlank() ? Instant.parse(lines.get(1).strip()) : null;
            return Optional.of(new PidRecord(pid, started));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<Integer> readExitCode(Path workerDir) {
        try {
            return Optional.of(Integer.parseInt(
                    Files.readString(workerDir.resolve(EXIT_CODE_FILE), StandardCharsets.UTF_8).strip()));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    // ------------------------------------------------------------------------------------------------ state

    private static final class Worker {
        final int index;
        final Path dir;
        final long pid; // -1: never recorded
        final ProcessHandle handle; // null when the process was already gone (never signal a recycled pid)
        final Process process; // null when adopted
        final Instant startedAt;
        final boolean adopted;
        boolean exited; // guarded by the run
        Integer exitCode; // null: unknown

        Worker(int index, Path dir, long pid, ProcessHandle handle, Process process, Instant startedAt,
               boolean adopted) {
            this.index = index;
            this.dir = dir;
            this.pid = pid;
            this.handle = handle;
            this.process = process;
            this.startedAt = startedAt;
            this.adopted = adopted;
        }

        boolean alive() {
            return handle != null && handle.isAlive();
        }
    }

    private static final class Run {
        final AttemptKey key;
        final Path dir;
        final List<Worker> workers;
        final Allocation alloc;
        final Instant deadline;
        final boolean session;
        final boolean adopted;
        final CompletableFuture<AttemptExit> done = new CompletableFuture<>();
        boolean stopRequested; // guarded by this
        boolean deadlineExceeded;
        boolean teardown;
        boolean finished;
        Worker firstFailure;
        ScheduledFuture<?> deadlineTask;

        Run(AttemptKey key, Path dir, List<Worker> workers, Allocation alloc, Instant deadline, boolean session,
            boolean adopted) {
            this.key = key;
            this.dir = dir;
            this.workers = List.copyOf(workers);
            this.alloc = alloc;
            this.deadline = deadline;
            this.session = session;
            this.adopted = adopted;
        }
    }
}
