package dev.athanor.controlplane.it;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real services integration tests run against, started once per JVM: PostgreSQL from zonky's embedded binaries
 * (a fresh cluster each run) and a single-node KRaft Kafka broker in this process.
 */
public final class TestInfra {
    private static EmbeddedPostgres postgres;
    private static KafkaClusterTestKit kafka;
    private static Path home;

    private TestInfra() {
    }

    public static synchronized EmbeddedPostgres postgres() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(TestInfra::stopAll));
        }
        return postgres;
    }

    public static String jdbcUrl() {
        return postgres().getJdbcUrl("postgres", "postgres");
    }

    public static synchronized String kafkaBootstrap() {
        if (kafka == null) {
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
                kafka = k;
            } catch (Exception e) {
                throw new IllegalStateException("cannot start in-process Kafka", e);
            }
            // stopped by InfraSessionListener at the end of the test session (see there why not in a shutdown hook)
        }
        return kafka.bootstrapServers();
    }

    /** A fresh Athanor home (work dirs of local workers) for this test JVM. */
    public static synchronized Path home() {
        if (home == null) {
            try {
                home = Files.createTempDirectory("athanor-test-home");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return home;
    }

    /** Stops Kafka, then PostgreSQL; safe to call more than once. */
    public static synchronized void stopAll() {
        stopKafka();
        kafka = null;
        stopPostgres();
        postgres = null;
    }

    private static void stopPostgres() {
        try {
            if (postgres != null) {
                postgres.close();
            }
        } catch (IOException ignored) {
            // shutting down
        }
    }

    private static void stopKafka() {
        try {
            if (kafka != null) {
                kafka.close();
            }
        } catch (Exception ignored) {
            // shutting down
        }
    }
}
