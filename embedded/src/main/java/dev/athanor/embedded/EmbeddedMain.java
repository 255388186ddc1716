package dev.athanor.embedded;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code athanor up | demo | bench submit}: the one-machine stack (embedded PostgreSQL, in-process KRaft Kafka,
 * control plane child JVM) and what runs on top of it.
 */
@Command(name = "athanor", mixinStandardHelpOptions = true, version = "athanor-embedded 0.1.0",
        description = "Athanor on one machine: embedded PostgreSQL, embedded Kafka, the control plane.",
        subcommands = {EmbeddedMain.Up.class, EmbeddedMain.Demo.class, EmbeddedMain.Bench.class})
public final class EmbeddedMain implements Runnable {

    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_MISSING_JAR = 3;
    public static final int EXIT_ALREADY_RUNNING = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return new CommandLine(new EmbeddedMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    static Path defaultHome() {
        String env = System.getenv("ATHANOR_HOME");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".athanor");
    }

    /** Options shared by everything that starts a stack. */
    static final class StackOptions {
        @Option(names = "--home", description = "Data, logs and state (default: $ATHANOR_HOME or ~/.athanor).")
        Path home;

        @Option(names = "--port", defaultValue = "8080", description = "HTTP port of the API (default: ${DEFAULT-VALUE}).")
        int port;

        @Option(names = "--cpu-slots", description = "CPU-only workers that may run at once (default: 4).")
        Integer cpuSlots;

        @Option(names = "--bind", defaultValue = "127.0.0.1",
                description = "Address the API listens on (default: ${DEFAULT-VALUE}; 0.0.0.0 to expose it).")
        String bind;

        @Option(names = "--ready-timeout", defaultValue = "180",
                description = "Seconds to wait for the control plane to be ready (default: ${DEFAULT-VALUE}).")
        int readyTimeoutSeconds;

        Path home(Path dflt) {
            return (home != null ? home : dflt).toAbsolutePath().normalize();
        }

        Stack.Options toOptions(Path home, int defaultCpuSlots, Path cpJar, Path workerJar, Map<String, String> extraEnv) {
            List<String> jvm = new ArrayList<>();
            String opts = System.getenv("ATHANOR_CONTROL_PLANE_JAVA_OPTS");
            if (opts != null && !opts.isBlank()) {
                jvm.addAll(Arrays.asList(opts.trim().split("\\s+")));
            }
            return new Stack.Options(home, port, cpuSlots != null ? cpuSlots : defaultCpuSlots, bind, cpJar, workerJar,
                    jvm, extraEnv, Duration.ofSeconds(readyTimeoutSeconds));
        }
    }

    /** Resolves the jars; prints a clear message and returns null when the control plane jar is missing. */
    static Path[] jars(PrintStream err, boolean requireWorker) {
        RepoLayout repo = RepoLayout.detect();
        try {
            Path cp = RepoLayout.require(repo.controlPlaneJar(), "the control plane (quarkus-run.jar)", "control-plane");
            Path worker = repo.workerJar();
            if (requireWorker) {
                RepoLayout.require(worker, "the worker jar (athanor-worker.jar)", "worker");
            } else if (!java.nio.file.Files.isRegularFile(worker)) {
                err.println("warning: the worker jar is missing at " + worker
                        + "; jobs cannot run until it is built (./mvnw -B -q -pl worker -am package -DskipTests)");
            }
            return new Path[]{cp, worker};
        } catch (RepoLayout.MissingJarException e) {
            err.println("error: " + e.getMessage());
            return null;
        }
    }

    /** Removes a shutdown hook unless the JVM is already shutting down (then the hook runs anyway). */
    static boolean removeHook(Thread hook) {
        try {
            return Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            return false;
        }
    }

    @Command(name = "up", mixinStandardHelpOptions = true,
            description = "Start PostgreSQL, Kafka and the control plane; Ctrl-C stops them. Data is kept in --home.")
    static final class Up implements Callable<Integer> {
        @Mixin
        StackOptions so;

        @Override
        public Integer call() throws Exception {
            Path home = so.home(defaultHome());
            Logging.toFile(home);
            Path[] jars = jars(System.err, false);
            if (jars == null) {
                return EXIT_MISSING_JAR;
            }
            PrintStream out = System.out;
            out.println("Starting Athanor (home " + home + ")");
            Stack stack = Stack.create(so.toOptions(home, 4, jars[0], jars[1], Map.of()), out);
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                out.println();
                out.println("Stopping Athanor...");
                stack.close();
                stopped.countDown();
            }, "athanor-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                stack.startAll();
            } catch (HomeLock.AlreadyRunningException e) {
                removeHook(hook);
                System.err.println("error: " + e.getMessage());
                return EXIT_ALREADY_RUNNING;
            } catch (Exception e) {
                removeHook(hook);
                System.err.println("error: could not start the stack: " + e.getMessage());
                return EXIT_FAILED;
            }
            out.println();
            out.println("Athanor is up.");
            out.println("  API        " + stack.apiUrl() + "/api/v1/jobs   (OpenAPI: " + stack.apiUrl() + "/q/swagger-ui)");
            out.println("  logs       " + Stack.logs(home).resolve("control-plane.log"));
            out.println("  try        ./athanor demo --home <another dir>   |   ./athanor list");
            out.println("Press Ctrl-C to stop.");
            ControlPlaneProcess cp = stack.controlPlane();
            int code = cp.process().waitFor();
            // reached only when the control plane died on its own (Ctrl-C exits through the hook)
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                stopped.await();
                return 0;
            }
            System.err.println("error: the control plane exited unexpectedly with code " + code + "; last lines of "
                    + cp.log() + ":\n" + ControlPlaneProcess.tail(cp.log(), 30));
            stack.close();
            return EXIT_FAILED;
        }
    }

    @Command(name = "demo", mixinStandardHelpOptions = true,
            description = "Start the stack, generate a small dataset and run one job of each kind end to end.")
    static final class Demo implements Callable<Integer> {
        @Mixin
        StackOptions so;

        @Option(names = "--keep-running", description = "Leave the stack running after the demo (Ctrl-C stops it).")
        boolean keepRunning;

        @Option(names = "--images", defaultValue = "48", description = "Images in the demo dataset (default: ${DEFAULT-VALUE}).")
        int images;

        @Option(names = "--timeout", defaultValue = "900", description = "Seconds before the demo gives up (default: ${DEFAULT-VALUE}).")
        int timeoutSeconds;

        @Override
        public Integer call() throws Exception {
            Path home = so.home(defaultHome());
            Logging.toFile(home);
            return new DemoRunner(so, home, images, Duration.ofSeconds(timeoutSeconds), keepRunning, System.out, System.err).run();
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks on the embedded stack.",
            subcommands = {SubmitBench.class})
    static final class Bench implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }
}
