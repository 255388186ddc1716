package dev.athanor.embedded;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The Quarkus control plane as a child JVM ({@code java -jar quarkus-run.jar}); output appended to a log file. */
public final class ControlPlaneProcess implements AutoCloseable {
    private final Process process;
    private final int port;
    private final int managementPort;
    private final Path log;

    private ControlPlaneProcess(Process process, int port, int managementPort, Path log) {
        this.process = process;
        this.port = port;
        this.managementPort = managementPort;
        this.log = log;
    }

    /** {@code managementPort}: the port of health and metrics, the one {@link #coreEnv} was given. */
    public static ControlPlaneProcess start(Path jar, Map<String, String> env, List<String> jvmOptions, int port,
                                            int managementPort, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-jar");
        cmd.add(jar.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(jar.getParent().toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        return new ControlPlaneProcess(pb.start(), port, managementPort, log);
    }

    /**
     * The environment every control plane needs whatever its launcher: HTTP port and address, the management port
     * (health and metrics, on 127.0.0.1 only), the PostgreSQL datasource and the Kafka bootstrap servers.
     */
    public static Map<String, String> coreEnv(int httpPort, int managementPort, String bindHost,
                                              PostgresService postgres, KafkaService kafka) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("QUARKUS_HTTP_PORT", String.valueOf(httpPort));
        env.put("QUARKUS_HTTP_HOST", bindHost);
        env.put("QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort));
        env.put("QUARKUS_MANAGEMENT_HOST", "127.0.0.1");
        env.put("QUARKUS_DATASOURCE_JDBC_URL", postgres.jdbcUrl());
        env.put("QUARKUS_DATASOURCE_USERNAME", PostgresService.USER);
        env.put("QUARKUS_DATASOURCE_PASSWORD", postgres.password());
        env.put("ATHANOR_KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        return env;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** Health ({@code /q/health}) and metrics ({@code /q/metrics}): the management interface, not the API port. */
    public String managementUrl() {
        return "http://127.0.0.1:" + managementPort;
    }

    public Process process() {
        return process;
    }

    public Path log() {
        return log;
    }

    /** Polls {@code /q/health/ready} on the management port until 200; fails early when the process exits. */
    public void awaitReady(Duration timeout) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest req = HttpRequest.newBuilder(URI.create(managementUrl() + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the control plane exited with code " + process.exitValue()
                        + " before it was ready; last lines of " + log + ":\n" + tail(log, 30));
            }
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the control plane", e);
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the control plane", e);
            }
        }
        throw new IOException("the control plane was not ready on " + managementUrl() + "/q/health/ready after "
                + timeout.toSeconds() + " s (" + last + "); last lines of " + log + ":\n" + tail(log, 30));
    }

    /** SIGTERM, wait up to {@code grace}, then SIGKILL. Returns the exit code. */
    public int stop(Duration grace) {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        return process.isAlive() ? -1 : process.exitValue();
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(30));
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e.getMessage() + ")";
        }
    }
}
