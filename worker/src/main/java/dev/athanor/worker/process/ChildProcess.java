package dev.athanor.worker.process;

import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.Cancellation;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.Reporter;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a child tool (python, llamafactory-cli): its stdout and stderr lines go to the reporter (LOG events and the
 * worker's stderr) and stdout lines also to a handler; the process is registered with the {@link Cancellation} so a
 * SIGTERM to the worker stops it (and its descendants).
 */
public final class ChildProcess {
    private ChildProcess() {
    }

    /**
     * Runs {@code command} to completion.
     *
     * @param extraEnv added to (and overriding) the inherited environment; engines pass their context's environment
     * @param onStdout called for each stdout line (after it was logged); may be null
     * @return the exit code
     * @throws CancelledException if cancelled while running
     */
    public static int run(List<String> command, Path dir, Map<String, String> extraEnv, Cancellation cancellation,
                          Reporter reporter, Consumer<String> onStdout) throws IOException, InterruptedException {
        cancellation.throwIfCancelled();
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().putAll(extraEnv);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new EngineException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
        p.getOutputStream().close();
        try (Cancellation.Registration ignored = cancellation.register(p)) {
            Thread out = pump(p.getInputStream(), "stdout", reporter, onStdout);
            Thread err = pump(p.getErrorStream(), "stderr", reporter, null);
            while (!p.waitFor(200, TimeUnit.MILLISECONDS)) {
                if (cancellation.isCancelled()) {
                    Cancellation.stop(p);
                }
            }
            out.join(5_000);
            err.join(5_000);
            cancellation.throwIfCancelled();
            return p.exitValue();
        } catch (InterruptedException e) {
            Cancellation.stop(p);
            throw e;
        }
    }

    /** Finds an executable: an explicit path, or a name searched on PATH; null if not found. */
    public static Path findExecutable(String nameOrPath, String pathVar) {
        if (nameOrPath.contains("/")) {
            Path p = Path.of(nameOrPath);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? p : null;
        }
        if (pathVar == null) {
            return null;
        }
        for (String dir : pathVar.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, nameOrPath);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    private static Thread pump(InputStream in, String stream, Reporter reporter, Consumer<String> handler) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    reporter.output(stream, line);
                    if (handler != null) {
                        try {
                            handler.accept(line);
                        } catch (RuntimeException e) {
                            reporter.log("WARN cannot handle output line: " + e.getMessage());
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "athanor-child-" + stream);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
