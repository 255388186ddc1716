package dev.athanor.controlplane.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.common.utils.Exit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real services integration tests run against, started once per JVM: PostgreSQL from zonky's embedded binaries
 * (a fresh cluster each run) and a single-node KRaft Kafka broker in this process.
 *
 * <p>Quarkus loads test resources in a class loader per application, so this class may exist several times in one
 * JVM. Their addresses are shared through system properties (visible to every class loader), so the services start
 * only once; they stop in shutdown hooks.
 */
public final class TestInfra {
    private static final String JDBC = "it-infra.jdbc-url";
    private static final String KAFKA = "it-infra.kafka-bootstrap";
    private static final String HOME = "it-infra.home";

    private TestInfra() {
    }

    public static synchronized String jdbcUrl() {
        String url = System.getProperty(JDBC);
        if (url == null) {
            try {
                EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
                stopper(() -> {
                    try {
                        pg.close();
                    } catch (IOException ignored) {
                        // shutting down
                    }
                });
                url = pg.getJdbcUrl("postgres", "postgres");
                System.setProperty(JDBC, url);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
        }
        return url;
    }

    public static synchronized String kafkaBootstrap() {
        String bootstrap = System.getProperty(KAFKA);
        if (bootstrap == null) {
            // A broker must never end the test JVM: Kafka halts the process when its log dir disappears, which the
            // test kit's own temp-dir cleanup does at shutdown.
            Exit.setHaltProcedure((status, message) -> System.err.println("[athanor-test] Kafka asked to halt("
                    + status + "): " + message + " (ignored in tests)"));
            Exit.setExitProcedure((status, message) -> System.err.println("[athanor-test] Kafka asked to exit("
                    + status + "): " + message + " (ignored in tests)"));
            try {
                KafkaClusterTestKit k = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("transaction.state.log.min.isr", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setConfigProp("num.partitions", "1")
                        .build();
                k.format();
                k.startup();
                k.waitForReadyBrokers();
                stopper(() -> {
                    try {
                        k.close();
                    } catch (Exception ignored) {
                        // shutting down
                    }
                });
                bootstrap = k.bootstrapServers();
                System.setProperty(KAFKA, bootstrap);
            } catch (Exception e) {
                throw new IllegalStateException("cannot start in-process Kafka", e);
            }
        }
        return bootstrap;
    }

    /** A fresh Athanor home (work dirs of local workers) for this test JVM. */
    public static synchronized Path home() {
        String h = System.getProperty(HOME);
        if (h == null) {
            try {
                h = Files.createTempDirectory("athanor-test-home").toString();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            System.setProperty(HOME, h);
        }
        return Path.of(h);
    }

    private static void stopper(Runnable r) {
        // Kafka's halt procedure is neutralized above, so stopping in a shutdown hook cannot end the JVM abnormally.
        Runtime.getRuntime().addShutdownHook(new Thread(r, "athanor-test-infra-stop"));
    }
}
