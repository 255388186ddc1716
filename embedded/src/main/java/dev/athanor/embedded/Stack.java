package dev.athanor.embedded;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The whole one-machine stack under one home directory: PostgreSQL ({@code HOME/pg}), Kafka ({@code HOME/kafka}) and
 * the control plane (logs in {@code HOME/logs}). Started in that order, stopped in reverse. One per home (lock file).
 */
public final class Stack implements AutoCloseable {

    /** What to start. */
    public record Options(Path home, int httpPort, int cpuSlots, String bindHost, Path controlPlaneJar, Path workerJar,
                          List<String> controlPlaneJvmOptions, Map<String, String> extraEnv, Duration readyTimeout) {
    }

    private final Options options;
    private final PrintStream out;
    private volatile HomeLock lock;
    private volatile PostgresService postgres;
    private volatile KafkaService kafka;
    private volatile ControlPlaneProcess controlPlane;
    private volatile int managementPort;
    private volatile AdminToken adminToken;
    private volatile boolean closed;

    private Stack(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static Path logs(Path home) {
        return home.resolve("logs");
    }

    /** Starts everything or, on failure, stops what was started and rethrows. */
    public static Stack start(Options o, PrintStream out) throws Exception {
        Stack s = create(o, out);
        s.startAll();
        return s;
    }

    /** A stack not started yet: register {@link #close()} as a shutdown hook first, then {@link #startAll()}. */
    public static Stack create(Options o, PrintStream out) {
        return new Stack(o, out);
    }

    /** Starts everything or, on failure, stops what was started and rethrows. */
    public void startAll() throws Exception {
        try {
            doStart();
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    private void doStart() throws Exception {
        if (closed) {
            throw new IOException("stopped before it started");
        }
        Path home = options.home();
        Files.createDirectories(home);
        lock = HomeLock.acquire(home);
        checkNotClosed();
        cleanUpAfterCrash(home);
        if (!Ports.isFree(options.httpPort())) {
            throw new IOException("port " + options.httpPort() + " is already in use; pass --port with a free port");
        }
        StateFile state = new StateFile(home.resolve("embedded.properties"));
        long t0 = System.nanoTime();

        postgres = PostgresService.start(home.resolve("pg"), Ports.reuseOrFree(state.getInt("postgres.port", 0)),
                "athanor", logs(home).resolve("postgres.log"));
        checkNotClosed();
        state.put("postgres.port", postgres.port()).save();
        out.printf("  postgres   %-28s data %s (%.1f s)%n", "127.0.0.1:" + postgres.port(), home.resolve("pg"), secs(t0));

        long t1 = System.nanoTime();
        int bp = Ports.reuseOrFree(state.getInt("kafka.broker.port", 0));
        int cp = state.getInt("kafka.controller.port", 0);
        cp = cp != bp ? Ports.reuseOrFree(cp) : Ports.free();
        kafka = KafkaService.start(home.resolve("kafka"), bp, cp);
        checkNotClosed();
        state.put("kafka.broker.port", kafka.brokerPort()).put("kafka.controller.port", kafka.controllerPort()).save();
        out.printf("  kafka      %-28s data %s%s (%.1f s)%n", kafka.bootstrapServers(), home.resolve("kafka"),
                kafka.formattedNow() ? " (formatted now)" : "", secs(t1));

        adminToken = AdminToken.ensure(home);
        managementPort = Ports.reuseOrFree(state.getInt("management.port", 0));
        state.put("management.port", managementPort).save();
        long t2 = System.nanoTime();
        Path log = logs(home).resolve("control-plane.log");
        controlPlane = ControlPlaneProcess.start(options.controlPlaneJar(), controlPlaneEnv(),
                options.controlPlaneJvmOptions(), options.httpPort(), managementPort, log);
        checkNotClosed();
        new StateFile(home.resolve("run.properties")).put("control.pid", controlPlane.process().pid()).save();
        out.printf("  control    starting (pid %d), log %s%n", controlPlane.process().pid(), log);
        awaitReadyUnlocked();
        out.printf("  control    ready on %s (%.1f s)%n", apiUrl(), secs(t2));
        announceAdminToken(state);
        new StateFile(home.resolve("run.properties"))
                .put("pid", ProcessHandle.current().pid())
                .put("control.pid", controlPlane.process().pid())
                .put("api.url", apiUrl())
                .put("management.url", managementUrl())
                .put("jdbc.url", postgres.jdbcUrl())
                .put("kafka.bootstrap", kafka.bootstrapServers())
                .save();
    }

    /**
     * Prints the admin token once, on the first start that got the control plane ready; later starts only say where
     * it is kept.
     */
    private void announceAdminToken(StateFile state) throws IOException {
        if ("true".equals(state.get("admin-token.announced"))) {
            return;
        }
        out.println();
        out.println("  Admin token (cluster admin, team 'default' created). It is shown only this once; it is also");
        out.println("  saved, readable only by you, in " + adminToken.file() + " (the CLI reads it from there):");
        out.println();
        out.println("    " + adminToken.secret());
        out.println();
        out.println("  Use it elsewhere with: export ATHANOR_TOKEN=<token>; make narrower tokens with 'athanor token create'.");
        out.println();
        state.put("admin-token.announced", "true").save();
    }

    /** Stops the Kafka broker, keeping its data and ports (fault tests: everyone must ride out the outage). */
    public synchronized void stopKafka() {
        kafka.close();
    }

    /** Starts the Kafka broker again on the same ports and data after {@link #stopKafka()}. */
    public synchronized void startKafka() throws IOException {
        kafka = KafkaService.start(options.home().resolve("kafka"), kafka.brokerPort(), kafka.controllerPort());
    }

    /** Stops PostgreSQL, keeping its data and port (fault tests). */
    public synchronized void stopPostgres() throws IOException {
        postgres.close();
    }

    /** Starts PostgreSQL again on the same port and data after {@link #stopPostgres()}. */
    public synchronized void startPostgres() throws IOException {
        postgres = PostgresService.start(options.home().resolve("pg"), postgres.port(), postgres.database(),
                logs(options.home()).resolve("postgres.log"));
    }

    /** The admin token file of this stack's home. */
    public Path adminTokenFile() {
        return options.home().resolve(AdminToken.FILE);
    }

    /**
     * Starts a new control plane process on the same PostgreSQL, Kafka and home after the previous one stopped or
     * was killed (used by crash-recovery tests and operators). Stops the current one first if it still runs.
     */
    public synchronized void restartControlPlane() throws IOException {
        checkNotClosed();
        if (controlPlane != null && controlPlane.process().isAlive()) {
            controlPlane.stop(Duration.ofSeconds(30));
        }
        Path log = logs(home()).resolve("control-plane.log");
        controlPlane = ControlPlaneProcess.start(options.controlPlaneJar(), controlPlaneEnv(),
                options.controlPlaneJvmOptions(), options.httpPort(), managementPort, log);
        new StateFile(home().resolve("run.properties")).put("control.pid", controlPlane.process().pid()).save();
        awaitReadyUnlocked();
    }

    private void awaitReadyUnlocked() throws IOException {
        controlPlane.awaitReady(options.readyTimeout());
    }

    /**
     * A previous launcher that died without stopping (SIGKILL, power loss) leaves run.properties behind and may have
     * left its control plane and PostgreSQL running. We hold the lock now, so whatever they are is orphaned: stop them.
     */
    private void cleanUpAfterCrash(Path home) {
        Path run = home.resolve("run.properties");
        if (Files.exists(run)) {
            String cpPid = new StateFile(run).get("control.pid");
            if (cpPid != null) {
                try {
                    ProcessHandle.of(Long.parseLong(cpPid.trim()))
                            .filter(ph -> ph.info().commandLine().orElse("").contains("quarkus-run.jar"))
                            .ifPresent(ph -> {
                                out.println("  cleanup    stopping an orphaned control plane (pid " + ph.pid() + ")");
                                terminate(ph);
                            });
                } catch (NumberFormatException e) {
                    // ignore
                }
            }
        }
        Path pidFile = home.resolve("pg").resolve("postmaster.pid");
        if (Files.exists(pidFile)) {
            try {
                String first = Files.readAllLines(pidFile).stream().findFirst().orElse("").trim();
                ProcessHandle.of(Long.parseLong(first))
                        .filter(ph -> ph.info().command().orElse("").contains("postgres"))
                        .ifPresent(ph -> {
                            out.println("  cleanup    stopping an orphaned PostgreSQL (pid " + ph.pid() + ")");
                            terminate(ph);
                        });
            } catch (IOException | NumberFormatException e) {
                // postgres removes or overrides a stale pid file itself
            }
        }
    }

    private static void terminate(ProcessHandle ph) {
        ph.destroy();
        try {
            ph.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            ph.destroyForcibly();
        }
    }

    Map<String, String> controlPlaneEnv() {
        Map<String, String> env = new LinkedHashMap<>();
        Path home = options.home().toAbsolutePath();
        env.putAll(ControlPlaneProcess.coreEnv(options.httpPort(), managementPort, options.bindHost(), postgres, kafka));
        env.put("ATHANOR_LAUNCHER_KIND", "local");
        env.put("ATHANOR_HOME", home.toString());
        env.put("ATHANOR_LOCAL_WORKER_JAR", options.workerJar().toAbsolutePath().toString());
        env.put("ATHANOR_LOCAL_WORK_DIR", home.resolve("work").toString());
        env.put("ATHANOR_LOCAL_CPU_SLOTS", String.valueOf(options.cpuSlots()));
        // The bootstrap secret travels in the environment, never on the command line (ps shows arguments).
        if (adminToken != null) {
            env.put("ATHANOR_AUTH_BOOTSTRAP_TOKEN", adminToken.secret());
        }
        env.put("ATHANOR_AUTH_BOOTSTRAP_TEAM", "default");
        env.putAll(options.extraEnv());
        return env;
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + options.httpPort();
    }

    /** Health and metrics of the control plane (loopback only; never the API port). */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public PostgresService postgres() {
        return postgres;
    }

    public KafkaService kafka() {
        return kafka;
    }

    public ControlPlaneProcess controlPlane() {
        return controlPlane;
    }

    public Path home() {
        return options.home();
    }

    /** Stops in reverse order: control plane (SIGTERM, wait), Kafka, PostgreSQL; then releases the lock. Idempotent. */
    @Override
    public void close() {
        closed = true;
        stopComponents();
    }

    /** Stops and forgets whatever is running now; safe to call again (from a shutdown hook and from start). */
    private synchronized void stopComponents() {
        List<String> problems = new ArrayList<>();
        if (controlPlane != null) {
            long t = System.nanoTime();
            int code = controlPlane.stop(Duration.ofSeconds(30));
            controlPlane = null;
            out.printf("  control    stopped (exit %d, %.1f s)%n", code, secs(t));
        }
        if (kafka != null) {
            long t = System.nanoTime();
            try {
                kafka.close();
                out.printf("  kafka      stopped (%.1f s)%n", secs(t));
            } catch (RuntimeException e) {
                problems.add("kafka: " + e.getMessage());
            }
            kafka = null;
        }
        if (postgres != null) {
            long t = System.nanoTime();
            try {
                postgres.close();
                out.printf("  postgres   stopped (%.1f s)%n", secs(t));
            } catch (IOException | RuntimeException e) {
                problems.add("postgres: " + e.getMessage());
            }
            postgres = null;
        }
        if (lock != null) {
            try {
                Files.deleteIfExists(options.home().resolve("run.properties"));
                lock.close();
            } catch (IOException e) {
                problems.add("lock: " + e.getMessage());
            }
            lock = null;
        }
        for (String p : problems) {
            out.println("  warning: while stopping " + p);
        }
    }

    /** Called after each component started: a stop requested meanwhile (Ctrl-C) wins. */
    private void checkNotClosed() throws IOException {
        if (closed) {
            stopComponents();
            throw new IOException("interrupted: stopping");
        }
    }

    static double secs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
