package dev.athanor.launcher.local.testproc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;

/**
 * A stand-in worker process for the launcher tests. Its behaviour comes from the job file's {@code spec}
 * (overridable per worker index under {@code spec.workers."<i>"}):
 * <ul>
 *   <li>{@code await}: a path relative to the work dir to wait for first (e.g. another worker's env.txt);</li>
 *   <li>{@code lines}: print that many lines ("line 0", "line 1", ...) first;</li>
 *   <li>{@code mode=exit}: exit with {@code code} (default 0);</li>
 *   <li>{@code mode=sleep}: block until SIGTERM (the JVM then exits 143);</li>
 *   <li>{@code mode=ignore-term}: a shutdown hook that blocks forever, so only SIGKILL ends it (137);</li>
 *   <li>{@code mode=spawn}: start {@code sleep 600} as a grandchild, write its pid to {@code child.pid}, then exit
 *       with {@code code}.</li>
 * </ul>
 * Before anything else it writes {@code env.txt} (contract env vars, its pid and command line) into its work dir.
 */
public final class TestWorker {

    private TestWorker() {
    }

    public static void main(String[] args) throws Exception {
        Path jobFile = Path.of(System.getenv("ATHANOR_JOB_FILE"));
        Path workDir = Path.of(System.getenv("ATHANOR_WORK_DIR"));
        JsonNode job = new ObjectMapper().readTree(jobFile.toFile());
        String index = System.getenv("ATHANOR_WORKER_INDEX");
        JsonNode spec = job.path("spec");
        JsonNode b = spec.path("workers").has(index) ? spec.path("workers").path(index) : spec;

        writeEnv(workDir);

        if (b.has("await")) { // a file (relative to the work dir) that must exist before going on
            Path awaited = workDir.resolve(b.path("await").asText()).normalize();
            awaitFile(awaited, 60);
        }
        int lines = b.path("lines").asInt(0);
        for (int i = 0; i < lines; i++) {
            System.out.println("line " + i);
        }
        System.out.flush();
        String mode = b.path("mode").asText("exit");
        switch (mode) {
            case "exit" -> System.exit(b.path("code").asInt(0));
            case "sleep" -> new CountDownLatch(1).await();
            case "ignore-term" -> {
                CountDownLatch never = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    System.out.println("got SIGTERM, ignoring it");
                    System.out.flush();
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                write(workDir.resolve("hook-installed"), "yes\n");
                never.await();
            }
            case "spawn" -> {
                Process child = new ProcessBuilder("sleep", "600").inheritIO().start();
                write(workDir.resolve("child.pid"), child.pid() + "\n");
                System.exit(b.path("code").asInt(0));
            }
            default -> {
                System.err.println("unknown mode " + mode);
                System.exit(2);
            }
        }
    }

    private static void writeEnv(Path workDir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("ATHANOR_") || k.startsWith("CUDA_") || k.startsWith("MASTER_") || k.equals("NNODES")
                    || k.equals("NODE_RANK") || k.equals("NPROC_PER_NODE") || k.equals("EXTRA_SETTING")) {
                out.put(k, v);
            }
        });
        out.put("pid", Long.toString(ProcessHandle.current().pid()));
        out.put("cmdline", ProcessHandle.current().info().commandLine().orElse(""));
        out.put("cwd", Path.of("").toAbsolutePath().toString());
        Properties p = new Properties();
        p.putAll(out);
        StringWriter sw = new StringWriter();
        p.store(sw, null);
        // every variable name it inherited, before env.txt (tests wait for env.txt)
        write(workDir.resolve("env-names.txt"), String.join("\n", new TreeMap<>(System.getenv()).keySet()));
        write(workDir.resolve("env.txt"), sw.toString());
    }

    private static void write(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Blocks until {@code file} exists (file-system events, not polling), at most {@code seconds}. */
    private static void awaitFile(Path file, long seconds) throws Exception {
        Path dir = file.getParent();
        Files.createDirectories(dir);
        long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(seconds);
        try (java.nio.file.WatchService ws = dir.getFileSystem().newWatchService()) {
            dir.register(ws, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE,
                    java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY);
            while (!Files.exists(file)) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                java.nio.file.WatchKey key = ws.poll(left, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }
}
