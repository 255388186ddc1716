package dev.athanor.launcher.local;

import dev.athanor.common.secret.SecretSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the {@link LocalProcessLauncher}.
 *
 * @param command          the command that starts one worker, e.g. {@code [/usr/lib/jvm/.../bin/java, -jar, worker.jar]}
 * @param jvmOptions       extra JVM options inserted right after {@code command[0]}; only allowed when
 *                         {@code command[0]} is a {@code java} launcher (empty otherwise)
 * @param workRoot         the directory that holds one sub-directory per attempt (e.g. {@code ~/.athanor/work})
 * @param kafkaBootstrap   passed to workers as {@code ATHANOR_KAFKA_BOOTSTRAP}
 * @param eventsTopic      passed to workers as {@code ATHANOR_EVENTS_TOPIC}
 * @param cpuSlots         how many CPU-only workers (jobs with 0 GPUs per worker) may run at once
 * @param killGrace        SIGTERM → SIGKILL grace used when a stop has no grace of its own (gang teardown, deadline)
 * @param heartbeatSeconds passed to workers as {@code ATHANOR_HEARTBEAT_SECONDS}
 * @param logTailLines     how many trailing lines of a failing worker's log go into {@code AttemptExit.lastLines}
 * @param secrets          where secret values are read, by the job's team and the secret's name; only the secrets a
 *                         launch request names, of the job's own team, are injected, as
 *                         {@code WorkerContract.secretEnvName(name)} environment variables; never logged
 * @param env              extra (non-secret) environment variables for every worker
 * @param nvidiaSmi        the nvidia-smi executable (a name looked up on PATH, or a path); {@code null} or blank
 *                         disables GPU discovery
 * @param newSession       start each worker in its own session ({@code setsid}) so a Ctrl-C of the control plane does
 *                         not reach the workers and leftover grandchildren can be found and killed when a worker ends
 */
public record LocalLauncherConfig(List<String> command, List<String> jvmOptions, Path workRoot, String kafkaBootstrap,
                                  String eventsTopic, int cpuSlots, Duration killGrace, int heartbeatSeconds,
                                  int logTailLines, SecretSource secrets, Map<String, String> env,
                                  String nvidiaSmi, boolean newSession) {

    public static final String DEFAULT_EVENTS_TOPIC = "athanor.events";
    public static final Duration DEFAULT_KILL_GRACE = Duration.ofSeconds(30);

    public LocalLauncherConfig {
        command = List.copyOf(Objects.requireNonNull(command, "command"));
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        jvmOptions = jvmOptions == null ? List.of() : List.copyOf(jvmOptions);
        if (!jvmOptions.isEmpty() && !isJavaLauncher(command.get(0))) {
            throw new IllegalArgumentException("jvmOptions need a java launcher as command[0], got " + command.get(0));
        }
        Objects.requireNonNull(workRoot, "workRoot");
        workRoot = workRoot.toAbsolutePath().normalize();
        if (eventsTopic == null || eventsTopic.isBlank()) {
            eventsTopic = DEFAULT_EVENTS_TOPIC;
        }
        if (cpuSlots < 0) {
            throw new IllegalArgumentException("cpuSlots must be >= 0");
        }
        if (killGrace == null || killGrace.isNegative()) {
            killGrace = DEFAULT_KILL_GRACE;
        }
        if (heartbeatSeconds <= 0) {
            heartbeatSeconds = 10;
        }
        if (logTailLines <= 0) {
            logTailLines = 50;
        }
        if (secrets == null) {
            secrets = new InMemorySecrets(Map.of());
        }
        env = env == null ? Map.of() : Map.copyOf(env);
        if (nvidiaSmi != null && nvidiaSmi.isBlank()) {
            nvidiaSmi = null;
        }
    }

    /** The full command line of one worker: {@code command[0] + jvmOptions + command[1..]}. */
    public List<String> workerCommand() {
        List<String> c = new ArrayList<>(command.size() + jvmOptions.size());
        c.add(command.get(0));
        c.addAll(jvmOptions);
        c.addAll(command.subList(1, command.size()));
        return c;
    }

    /** The java launcher of this JVM ({@code ProcessHandle.current().info().command()}, else {@code java.home}). */
    public static String currentJava() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** {@code ~/.athanor/work}. */
    public static Path defaultWorkRoot() {
        return Path.of(System.getProperty("user.home"), ".athanor", "work");
    }

    static boolean isJavaLauncher(String exe) {
        String n = Path.of(exe).getFileName().toString();
        return n.equals("java") || n.equals("java.exe");
    }

    /** A builder starting from {@code [java, -jar, workerJar]} with this JVM's java. */
    public static Builder forWorkerJar(Path workerJar) {
        return new Builder(List.of(currentJava(), "-jar", workerJar.toAbsolutePath().toString()));
    }

    /** A builder with an arbitrary worker command. */
    public static Builder builder(List<String> command) {
        return new Builder(command);
    }

    public Builder toBuilder() {
        Builder b = new Builder(command);
        b.jvmOptions = new ArrayList<>(jvmOptions);
        b.workRoot = workRoot;
        b.kafkaBootstrap = kafkaBootstrap;
        b.eventsTopic = eventsTopic;
        b.cpuSlots = cpuSlots;
        b.killGrace = killGrace;
        b.heartbeatSeconds = heartbeatSeconds;
        b.logTailLines = logTailLines;
        b.secrets = secrets;
        b.env = new LinkedHashMap<>(env);
        b.nvidiaSmi = nvidiaSmi;
        b.newSession = newSession;
        return b;
    }

    @Override
    public String toString() {
        // secrets by name only
        return "LocalLauncherConfig[command=" + command + ", jvmOptions=" + jvmOptions + ", workRoot=" + workRoot
                + ", kafkaBootstrap=" + kafkaBootstrap + ", eventsTopic=" + eventsTopic + ", cpuSlots=" + cpuSlots
                + ", killGrace=" + killGrace + ", heartbeatSeconds=" + heartbeatSeconds + ", logTailLines="
                + logTailLines + ", secrets=" + secrets + ", env=" + env.keySet() + ", nvidiaSmi="
                + nvidiaSmi + ", newSession=" + newSession + "]";
    }

    public static final class Builder {
        private List<String> command;
        private List<String> jvmOptions = new ArrayList<>();
        private Path workRoot = defaultWorkRoot();
        private String kafkaBootstrap = "localhost:9092";
        private String eventsTopic = DEFAULT_EVENTS_TOPIC;
        private int cpuSlots = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        private Duration killGrace = DEFAULT_KILL_GRACE;
        private int heartbeatSeconds = 10;
        private int logTailLines = 50;
        private SecretSource secrets = new InMemorySecrets(Map.of());
        private Map<String, String> env = new LinkedHashMap<>();
        private String nvidiaSmi = "nvidia-smi";
        private boolean newSession = ProcessTools.setsidAvailable();

        private Builder(List<String> command) {
            this.command = List.copyOf(command);
        }

        public Builder command(List<String> v) {
            command = List.copyOf(v);
            return this;
        }

        public Builder jvmOptions(List<String> v) {
            jvmOptions = new ArrayList<>(v);
            return this;
        }

        /** JVM options as one space-separated string (the form a properties file holds). */
        public Builder jvmOptions(String v) {
            jvmOptions = new ArrayList<>();
            if (v != null) {
                for (String s : v.trim().split("\\s+")) {
                    if (!s.isEmpty()) {
                        jvmOptions.add(s);
                    }
                }
            }
            return this;
        }

        public Builder workRoot(Path v) {
            workRoot = v;
            return this;
        }

        public Builder kafkaBootstrap(String v) {
            kafkaBootstrap = v;
            return this;
        }

        public Builder eventsTopic(String v) {
            eventsTopic = v;
            return this;
        }

        public Builder cpuSlots(int v) {
            cpuSlots = v;
            return this;
        }

        public Builder killGrace(Duration v) {
            killGrace = v;
            return this;
        }

        public Builder heartbeatSeconds(int v) {
            heartbeatSeconds = v;
            return this;
        }

        public Builder logTailLines(int v) {
            logTailLines = v;
            return this;
        }

        /** Where secret values are read (e.g. a {@link FileSecretStore}); replaces values given by {@link #secret}. */
        public Builder secrets(SecretSource v) {
            secrets = v;
            return this;
        }

        /** One value of {@code team}'s secret {@code name}, held in memory (tests, embedding). */
        public Builder secret(String team, String name, String value) {
            Map<String, String> m = secrets instanceof InMemorySecrets ims ? new LinkedHashMap<>(ims.values())
                    : new LinkedHashMap<>();
            m.put(team + "/" + name, value);
            secrets = new InMemorySecrets(m);
            return this;
        }

        public Builder env(Map<String, String> v) {
            env = new LinkedHashMap<>(v);
            return this;
        }

        /** The nvidia-smi executable; {@code null} disables GPU discovery. */
        public Builder nvidiaSmi(String v) {
            nvidiaSmi = v;
            return this;
        }

        public Builder newSession(boolean v) {
            newSession = v;
            return this;
        }

        public LocalLauncherConfig build() {
            return new LocalLauncherConfig(command, jvmOptions, workRoot, kafkaBootstrap, eventsTopic, cpuSlots,
                    killGrace, heartbeatSeconds, logTailLines, secrets, env, nvidiaSmi, newSession);
        }
    }

    /** Values by {@code team/name}; {@code toString} names them, never their values. */
    private record InMemorySecrets(Map<String, String> values) implements SecretSource {
        InMemorySecrets {
            values = Map.copyOf(values);
        }

        @Override
        public java.util.Optional<String> value(String team, String name) {
            return java.util.Optional.ofNullable(values.get(team + "/" + name));
        }

        @Override
        public String toString() {
            return new java.util.TreeSet<>(values.keySet()).toString();
        }
    }
}
