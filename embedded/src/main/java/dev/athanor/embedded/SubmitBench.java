package dev.athanor.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code athanor bench submit}: job submission over HTTP against raw single-row INSERT + COMMIT on the same PostgreSQL
 * at the same concurrency. Prints figures and, as the last line, one JSON object.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
        description = "Submission throughput/latency over HTTP vs raw JDBC INSERT+COMMIT on the same PostgreSQL.")
final class SubmitBench implements Callable<Integer> {
    static final double TARGET_RATIO = 0.5;
    static final double TARGET_P99_MS = 25.0;

    @Option(names = "--jobs", defaultValue = "20000", description = "Submissions (and JDBC inserts) measured (default: ${DEFAULT-VALUE}).")
    int jobs;

    @Option(names = "--concurrency", defaultValue = "32", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--warmup", description = "Warm-up operations per phase, not measured (default: min(5000, jobs/4)).")
    Integer warmup;

    @Option(names = "--home", description = "Use this home instead of a fresh temporary one (kept afterwards).")
    Path home;

    @Option(names = "--port", description = "API port (default: a free one).")
    Integer port;

    @Option(names = "--cpu-slots", defaultValue = "0",
            description = "CPU worker slots (default: ${DEFAULT-VALUE}: submitted jobs stay queued and launch nothing).")
    int cpuSlots;

    @Option(names = "--max-seconds", defaultValue = "600", description = "Upper bound per measured phase (default: ${DEFAULT-VALUE}).")
    int maxSeconds;

    @Option(names = "--ready-timeout", defaultValue = "180", description = "Seconds to wait for the control plane (default: ${DEFAULT-VALUE}).")
    int readyTimeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintStream out = System.out;
        if (jobs < 1 || concurrency < 1 || concurrency > 1024) {
            System.err.println("error: --jobs must be >= 1 and --concurrency between 1 and 1024");
            return EmbeddedMain.EXIT_USAGE;
        }
        boolean temp = home == null;
        Path h = temp ? Files.createTempDirectory("athanor-bench-") : home.toAbsolutePath().normalize();
        Logging.toFile(h);
        Path[] jars = EmbeddedMain.jars(System.err, false);
        if (jars == null) {
            return EmbeddedMain.EXIT_MISSING_JAR;
        }
        int warm = warmup != null ? warmup : Math.min(5000, Math.max(1, jobs / 4));
        int httpPort = port != null ? port : Ports.free();
        out.println("Starting the embedded stack for the benchmark (home " + h + (temp ? ", temporary" : "") + ")");
        Stack.Options o = new Stack.Options(h, httpPort, cpuSlots, "127.0.0.1", jars[0], jars[1],
                jvmOptions(), Map.of(), Duration.ofSeconds(readyTimeoutSeconds));
        Stack stack = Stack.create(o, out);
        Thread hook = new Thread(stack::close, "athanor-bench-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stack.startAll();
        } catch (HomeLock.AlreadyRunningException e) {
            EmbeddedMain.removeHook(hook);
            System.err.println("error: " + e.getMessage());
            return EmbeddedMain.EXIT_ALREADY_RUNNING;
        } catch (Exception e) {
            EmbeddedMain.removeHook(hook);
            System.err.println("error: could not start the stack: " + e.getMessage());
            if (temp) {
                deleteTree(h);
            }
            return EmbeddedMain.EXIT_FAILED;
        }
        Map<String, Object> result;
        try {
            result = run(stack, warm, out);
        } catch (Exception e) {
            System.err.println("error: the benchmark failed: " + e.getMessage());
            return EmbeddedMain.EXIT_FAILED;
        } finally {
            EmbeddedMain.removeHook(hook);
            out.println();
            out.println("Stopping the stack...");
            stack.close();
            if (temp) {
                deleteTree(h);
            }
        }
        // the JSON object is the very last line
        out.println(Api.JSON.writeValueAsString(result));
        return 0;
    }

    private static List<String> jvmOptions() {
        String opts = System.getenv("ATHANOR_CONTROL_PLANE_JAVA_OPTS");
        return opts == null || opts.isBlank() ? List.of() : Arrays.asList(opts.trim().split("\\s+"));
    }

    Map<String, Object> run(Stack stack, int warm, PrintStream out) throws Exception {
        String runId = Long.toString(System.currentTimeMillis() % 10_000_000L, 36);
        URI uri = URI.create(stack.apiUrl() + "/api/v1/jobs");
        // One keep-alive connection per load thread (see RawHttp for why not java.net.http).
        ThreadLocal<RawHttp> http = ThreadLocal.withInitial(() -> new RawHttp(uri));
        String token = Api.tokenFor(stack.home());

        out.printf(Locale.ROOT, "%nWarm-up: %d HTTP submissions, %d JDBC inserts (concurrency %d)%n", warm, warm, concurrency);
        Phase httpWarm = runPhase(warm, i -> submit(http, uri, token, "bw-" + runId + "-" + i));
        if (httpWarm.ok == 0) {
            throw new IOException("no HTTP submission succeeded during warm-up: " + httpWarm.firstError);
        }
        try (JdbcBench jdbc = new JdbcBench(stack.postgres(), concurrency)) {
            jdbc.createTable();
            runPhase(warm, jdbc::insert);
            jdbc.truncate();

            out.printf(Locale.ROOT, "Measuring: %d HTTP submissions (POST /api/v1/jobs, HTTP/1.1)...%n", jobs);
            Phase h = runPhase(jobs, i -> submit(http, uri, token, "b-" + runId + "-" + i));
            out.printf(Locale.ROOT, "Measuring: %d JDBC single-row INSERT + COMMIT...%n", jobs);
            Phase j = runPhase(jobs, jdbc::insert);
            jdbc.dropTable();
            return report(h, j, out);
        }
    }

    /** One submission; returns true for 201. */
    static boolean submit(ThreadLocal<RawHttp> http, URI uri, String token, String name) throws Exception {
        RawHttp.Response r = http.get().post(uri.getRawPath(), body(name), token);
        if (r.status() != 201) {
            throw new NonCreated(r.status() + " " + abbreviate(r.body(), 300));
        }
        return true;
    }

    static String body(String name) {
        ObjectNode n = DemoRunner.submission(name, "AUGMENTATION", spec());
        n.put("team", "default");
        n.putObject("labels").put("bench", "submit");
        return n.toString();
    }

    static ObjectNode spec() {
        ObjectNode s = Api.JSON.createObjectNode();
        s.put("inputDir", "/data/bench/in");
        s.put("outputDir", "/data/bench/out");
        s.put("engine", "classical");
        s.put("outputsPerImage", 1);
        s.putArray("operations").add("hflip").add("rotate");
        s.put("seed", 7);
        return s;
    }

    static final class NonCreated extends Exception {
        NonCreated(String m) {
            super(m, null, false, false);
        }
    }

    interface Op {
        boolean run(int i) throws Exception;
    }

    static final class Phase {
        int attempted;
        int ok;
        int errors;
        double seconds;
        long[] latNanos;
        String firstError;

        double throughput() {
            return seconds > 0 ? ok / seconds : 0;
        }

        double pct(double p) {
            if (latNanos.length == 0) {
                return Double.NaN;
            }
            int idx = (int) Math.ceil(p / 100.0 * latNanos.length) - 1;
            return latNanos[Math.max(0, Math.min(latNanos.length - 1, idx))] / 1e6;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("attempted", attempted);
            m.put("ok", ok);
            m.put("errors", errors);
            m.put("seconds", round(seconds, 3));
            m.put("ops_per_s", round(throughput(), 1));
            m.put("p50_ms", round(pct(50), 3));
            m.put("p99_ms", round(pct(99), 3));
            m.put("max_ms", round(pct(100), 3));
            return m;
        }
    }

    /** Runs {@code n} operations on {@code concurrency} threads; bounded by --max-seconds. */
    Phase runPhase(int n, Op op) throws Exception {
        long[] lat = new long[n];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        AtomicLong firstErrorSet = new AtomicLong();
        String[] firstError = new String[1];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(maxSeconds);
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        long t0 = System.nanoTime();
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < concurrency; t++) {
            fs.add(pool.submit(() -> {
                int i;
                while ((i = next.getAndIncrement()) < n && System.nanoTime() < deadline) {
                    long s = System.nanoTime();
                    boolean good;
                    try {
                        good = op.run(i);
                    } catch (Exception e) {
                        good = false;
                        if (firstErrorSet.compareAndSet(0, 1)) {
                            firstError[0] = e.getMessage() != null ? e.getMessage() : e.toString();
                        }
                    }
                    lat[i] = System.nanoTime() - s;
                    if (good) {
                        ok.incrementAndGet();
                    } else {
                        errors.incrementAndGet();
                    }
                    done.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        long t1 = System.nanoTime();
        pool.shutdown();
        Phase p = new Phase();
        p.attempted = done.get();
        p.ok = ok.get();
        p.errors = errors.get();
        p.seconds = (t1 - t0) / 1e9;
        p.latNanos = Arrays.stream(lat).filter(x -> x > 0).sorted().toArray();
        p.firstError = firstError[0];
        return p;
    }

    /** Raw JDBC: one connection per thread, single-row INSERT + COMMIT into a scratch table shaped like a job row. */
    static final class JdbcBench implements AutoCloseable {
        static final String TABLE = "bench_raw_insert";
        private final PostgresService pg;
        private final ThreadLocal<PreparedStatement> stmt = new ThreadLocal<>();
        private final List<Connection> connections = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final String specJson;
        private final String labelsJson;

        JdbcBench(PostgresService pg, int concurrency) throws SQLException {
            this.pg = pg;
            // the spec as the control plane stores it: with defaults filled in
            ObjectNode spec = spec();
            spec.put("model", (String) null);
            spec.put("prompt", (String) null);
            spec.put("negativePrompt", (String) null);
            spec.put("strength", 0.55);
            spec.put("guidanceScale", 7.0);
            spec.put("numInferenceSteps", 40);
            this.specJson = spec.toString();
            this.labelsJson = "{\"bench\":\"submit\"}";
        }

        void createTable() throws SQLException {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + TABLE);
                st.execute("CREATE TABLE " + TABLE + " (id uuid PRIMARY KEY, name text NOT NULL, team text NOT NULL,"
                        + " kind text NOT NULL, state text NOT NULL, priority text NOT NULL, labels jsonb NOT NULL,"
                        + " resources jsonb NOT NULL, spec jsonb NOT NULL, attempt int NOT NULL, max_attempts int NOT NULL,"
                        + " created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL)");
            }
        }

        void truncate() throws SQLException {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("TRUNCATE " + TABLE);
            }
        }

        void dropTable() throws SQLException {
            try (Connection c = pg.connect(); Statement st = c.createStatement()) {
                st.execute("DROP TABLE IF EXISTS " + TABLE);
            }
        }

        boolean insert(int i) throws SQLException {
            PreparedStatement ps = stmt.get();
            if (ps == null) {
                Connection c = pg.connect();
                c.setAutoCommit(false);
                connections.add(c);
                ps = c.prepareStatement("INSERT INTO " + TABLE + " (id, name, team, kind, state, priority, labels,"
                        + " resources, spec, attempt, max_attempts, created_at, updated_at)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?::jsonb, ?, ?, ?, ?)");
                stmt.set(ps);
            }
            Timestamp now = Timestamp.from(Instant.now());
            ps.setObject(1, UUID.randomUUID());
            ps.setString(2, "b-" + i);
            ps.setString(3, "bench");
            ps.setString(4, "AUGMENTATION");
            ps.setString(5, "PENDING");
            ps.setString(6, "NORMAL");
            ps.setString(7, labelsJson);
            ps.setString(8, "{\"gpusPerWorker\":0,\"workers\":1,\"gpuType\":null,\"cpu\":1.0,\"memory\":\"1Gi\"}");
            ps.setString(9, specJson);
            ps.setInt(10, 0);
            ps.setInt(11, 1);
            ps.setTimestamp(12, now);
            ps.setTimestamp(13, now);
            ps.executeUpdate();
            ps.getConnection().commit();
            return true;
        }

        @Override
        public void close() {
            for (Connection c : connections) {
                try {
                    c.close();
                } catch (SQLException e) {
                    // closing
                }
            }
        }
    }

    Map<String, Object> report(Phase h, Phase j, PrintStream out) {
        double ratio = j.throughput() > 0 ? h.throughput() / j.throughput() : 0;
        Map<String, Object> machine = machine();
        out.println();
        out.printf(Locale.ROOT, "Machine: %s cores, %.1f GiB memory, %s, Java %s%n", machine.get("cores"),
                ((Number) machine.get("memory_bytes")).longValue() / 1073741824.0, machine.get("cpu_model"),
                machine.get("java"));
        out.printf(Locale.ROOT, "%-34s %10s %8s %9s %9s %9s%n", "", "ops/s", "errors", "p50 ms", "p99 ms", "max ms");
        out.printf(Locale.ROOT, "%-34s %10.1f %8d %9.2f %9.2f %9.2f%n", "HTTP POST /api/v1/jobs", h.throughput(),
                h.errors, h.pct(50), h.pct(99), h.pct(100));
        out.printf(Locale.ROOT, "%-34s %10.1f %8d %9.2f %9.2f %9.2f%n", "JDBC INSERT+COMMIT (same PG)", j.throughput(),
                j.errors, j.pct(50), j.pct(99), j.pct(100));
        out.printf(Locale.ROOT, "Ratio HTTP/JDBC throughput: %.3f (target >= %.1f: %s)%n", ratio, TARGET_RATIO,
                ratio >= TARGET_RATIO ? "met" : "NOT met");
        out.printf(Locale.ROOT, "HTTP p99: %.2f ms (target <= %.0f ms: %s)%n", h.pct(99), TARGET_P99_MS,
                h.pct(99) <= TARGET_P99_MS ? "met" : "NOT met");
        if (h.errors > 0) {
            out.println("First HTTP error: " + h.firstError);
        }
        if (h.attempted < jobs || j.attempted < jobs) {
            out.println("Note: a phase hit --max-seconds (" + maxSeconds + " s) before all operations ran.");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("benchmark", "submit");
        m.put("jobs", jobs);
        m.put("concurrency", concurrency);
        m.put("http", h.toMap());
        m.put("jdbc", j.toMap());
        m.put("ratio", round(ratio, 3));
        m.put("target_ratio", TARGET_RATIO);
        m.put("target_http_p99_ms", TARGET_P99_MS);
        m.put("ratio_met", ratio >= TARGET_RATIO);
        m.put("p99_met", h.pct(99) <= TARGET_P99_MS);
        m.put("machine", machine);
        return m;
    }

    static Map<String, Object> machine() {
        return BenchMachine.describe();
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return -1;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    static String abbreviate(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }

    static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
