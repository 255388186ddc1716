package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Points the control plane under test at the real PostgreSQL and Kafka of {@link TestInfra}. */
public class InfraResource implements QuarkusTestResourceLifecycleManager {

    /** The worker jar built by the worker module (the reactor builds it before the control plane). */
    public static Path workerJar() {
        return Path.of("..", "worker", "target", "athanor-worker.jar").toAbsolutePath().normalize();
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> c = new HashMap<>();
        c.put("quarkus.datasource.jdbc.url", TestInfra.jdbcUrl());
        c.put("quarkus.datasource.username", "postgres");
        c.put("quarkus.datasource.password", "");
        c.put("athanor.kafka.bootstrap-servers", TestInfra.kafkaBootstrap());
        c.put("athanor.kafka.partitions", "3");
        c.put("athanor.home", TestInfra.home().toString());
        c.put("athanor.local.work-dir", TestInfra.home().resolve("work").toString());
        c.put("athanor.local.worker-jar", workerJar().toString());
        c.put("athanor.local.cpu-slots", "2");
        c.put("athanor.local.nvidia-smi", "");
        c.put("athanor.local.heartbeat-seconds", "1");
        c.put("athanor.dispatch.interval", "100ms");
        c.put("athanor.stop.grace", "5s");
        c.put("athanor.lost-worker.heartbeat-timeout", "20s");
        c.put("athanor.auth.bootstrap-token", TestAuth.ADMIN);
        // a random free port: other builds on the same machine may hold 8081
        c.put("quarkus.http.test-port", "0");
        c.put("quarkus.management.test-port", String.valueOf(freePort()));
        return c;
    }

    /** A URL on the management interface (health, metrics) of the control plane under test. */
    public static String management(String path) {
        return "http://localhost:" + org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getValue("quarkus.management.test-port", Integer.class) + path;
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no free port for the management interface", e);
        }
    }

    @Override
    public void stop() {
        // TestInfra services live for the whole JVM; they stop in a shutdown hook.
    }
}
