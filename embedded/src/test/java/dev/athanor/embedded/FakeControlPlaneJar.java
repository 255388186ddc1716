package dev.athanor.embedded;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/**
 * Builds a stand-in for quarkus-run.jar for stack tests: it serves /q/health/ready on the management port (like the
 * real control plane, not on the API port) and accepts POST /api/v1/jobs,
 * records the environment it was given to ATHANOR_HOME/fake-env.properties, checks that Kafka is reachable, and
 * writes ATHANOR_HOME/fake-stopped when it is terminated gracefully (SIGTERM runs its shutdown hook).
 * It is not the control plane (whose own tests cover it); it stands for "a child JVM that speaks HTTP".
 */
final class FakeControlPlaneJar {
    static final String SOURCE = """
            import com.sun.net.httpserver.*;
            import java.net.*;
            import java.nio.file.*;
            import java.util.*;
            import java.util.concurrent.*;
            public class FakeControlPlane {
              static final List<String> KEYS = List.of("QUARKUS_HTTP_PORT", "QUARKUS_HTTP_HOST",
                  "QUARKUS_MANAGEMENT_PORT", "QUARKUS_MANAGEMENT_HOST",
                  "QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "ATHANOR_KAFKA_BOOTSTRAP_SERVERS",
                  "ATHANOR_LAUNCHER_KIND", "ATHANOR_LOCAL_WORKER_JAR", "ATHANOR_LOCAL_WORK_DIR",
                  "ATHANOR_LOCAL_CPU_SLOTS", "ATHANOR_HOME");
              public static void main(String[] a) throws Exception {
                Path home = Path.of(System.getenv("ATHANOR_HOME"));
                String[] hp = System.getenv("ATHANOR_KAFKA_BOOTSTRAP_SERVERS").split(":");
                try (Socket s = new Socket(hp[0], Integer.parseInt(hp[1]))) { }
                StringBuilder env = new StringBuilder();
                for (String k : KEYS) env.append(k).append('=').append(System.getenv(k)).append('\\n');
                Files.writeString(home.resolve("fake-env.properties"), env);
                HttpServer srv = HttpServer.create(new InetSocketAddress(System.getenv("QUARKUS_HTTP_HOST"),
                    Integer.parseInt(System.getenv("QUARKUS_HTTP_PORT"))), 256);
                srv.setExecutor(Executors.newFixedThreadPool(8));
                HttpServer mgmt = HttpServer.create(new InetSocketAddress(System.getenv("QUARKUS_MANAGEMENT_HOST"),
                    Integer.parseInt(System.getenv("QUARKUS_MANAGEMENT_PORT"))), 16);
                mgmt.createContext("/q/health/ready", ex -> reply(ex, 200, "{\\"status\\":\\"UP\\"}"));
                mgmt.start();
                srv.createContext("/api/v1/jobs", ex -> {
                  ex.getRequestBody().readAllBytes();
                  if ("POST".equals(ex.getRequestMethod())) {
                    reply(ex, 201, "{\\"id\\":\\"" + UUID.randomUUID() + "\\",\\"state\\":\\"PENDING\\"}");
                  } else {
                    reply(ex, 404, "{}");
                  }
                });
                srv.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                  srv.stop(0);
                  mgmt.stop(0);
                  try { Files.writeString(home.resolve("fake-stopped"), "SIGTERM"); } catch (Exception e) { }
                }));
                Thread.currentThread().join();
              }
              static void reply(HttpExchange ex, int code, String body) throws java.io.IOException {
                byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(code, b.length);
                try (var os = ex.getResponseBody()) { os.write(b); }
              }
            }
            """;

    private FakeControlPlaneJar() {
    }

    static Path build(Path dir) throws IOException {
        Path src = dir.resolve("src/FakeControlPlane.java");
        Path classes = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, SOURCE);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errs = new ByteArrayOutputStream();
        int rc = javac.run(null, errs, errs, "-d", classes.toString(), src.toString());
        if (rc != 0) {
            throw new IOException("compiling the fake control plane failed: " + errs);
        }
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        mf.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "FakeControlPlane");
        Path jar = dir.resolve("quarkus-run.jar");
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream jos = new JarOutputStream(os, mf);
             Stream<Path> files = Files.list(classes)) {
            for (Path c : (Iterable<Path>) files::iterator) {
                jos.putNextEntry(new JarEntry(c.getFileName().toString()));
                jos.write(Files.readAllBytes(c));
                jos.closeEntry();
            }
        }
        return jar;
    }
}
