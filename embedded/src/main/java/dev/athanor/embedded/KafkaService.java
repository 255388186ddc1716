package dev.athanor.embedded;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A single-node Kafka broker in KRaft combined mode (broker + controller in one process), running in this JVM via
 * {@link KafkaRaftServer}. Storage under {@code dataDir} is formatted only when it has no {@code meta.properties} yet,
 * so topics and offsets survive a restart. Listens on 127.0.0.1 only.
 */
public final class KafkaService implements AutoCloseable {
    public static final int NODE_ID = 1;

    private final KafkaRaftServer server;
    private final int brokerPort;
    private final int controllerPort;
    private final boolean formattedNow;
    private final String clusterId;

    private KafkaService(KafkaRaftServer server, int brokerPort, int controllerPort, boolean formattedNow, String clusterId) {
        this.server = server;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.formattedNow = formattedNow;
        this.clusterId = clusterId;
    }

    public static Properties serverProperties(Path dataDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "4");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("log.segment.bytes", String.valueOf(64 * 1024 * 1024));
        p.put("log.retention.hours", "168");
        p.put("auto.create.topics.enable", "true");
        return p;
    }

    /** True when {@code dataDir} already holds a formatted KRaft log directory. */
    public static boolean isFormatted(Path dataDir) {
        return Files.exists(dataDir.resolve("meta.properties"));
    }

    /**
     * @param dataDir        log and metadata directory (formatted on first start only)
     * @param brokerPort     client listener port (0: pick one)
     * @param controllerPort KRaft controller listener port (0: pick one)
     */
    public static KafkaService start(Path dataDir, int brokerPort, int controllerPort) throws IOException {
        int bp = brokerPort > 0 ? brokerPort : Ports.free();
        int cp = controllerPort > 0 ? controllerPort : Ports.free();
        while (cp == bp) {
            cp = Ports.free();
        }
        Files.createDirectories(dataDir);
        Properties props = serverProperties(dataDir, bp, cp);
        boolean formatNow = !isFormatted(dataDir);
        String clusterId = null;
        if (formatNow) {
            clusterId = Uuid.randomUuid().toString();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (PrintStream ps = new PrintStream(out, true, StandardCharsets.UTF_8)) {
                new Formatter()
                        .setPrintStream(ps)
                        .setNodeId(NODE_ID)
                        .setClusterId(clusterId)
                        .setControllerListenerName("CONTROLLER")
                        .setMetadataLogDirectory(dataDir.toAbsolutePath().toString())
                        .addDirectory(dataDir.toAbsolutePath().toString())
                        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                        .setUnstableFeatureVersionsEnabled(false)
                        .setIgnoreFormatted(false)
                        .run();
            } catch (Exception e) {
                throw new IOException("formatting Kafka storage in " + dataDir + " failed: " + e.getMessage()
                        + " " + out.toString(StandardCharsets.UTF_8), e);
            }
        }
        KafkaRaftServer server;
        try {
            server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server.startup();
        } catch (RuntimeException e) {
            throw new IOException("Kafka broker did not start (data " + dataDir + "): " + e.getMessage(), e);
        }
        KafkaService ks = new KafkaService(server, bp, cp, formatNow, clusterId);
        try {
            ks.awaitReady(Duration.ofSeconds(60));
        } catch (IOException e) {
            ks.close();
            throw e;
        }
        return ks;
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000))) {
            while (System.nanoTime() < deadline) {
                try {
                    int nodes = admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size();
                    if (nodes > 0) {
                        return;
                    }
                } catch (Exception e) {
                    last = e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for Kafka", ie);
                }
            }
        }
        throw new IOException("Kafka broker on " + bootstrapServers() + " not ready after " + timeout.toSeconds() + " s"
                + (last != null ? ": " + last.getMessage() : ""));
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    public int brokerPort() {
        return brokerPort;
    }

    public int controllerPort() {
        return controllerPort;
    }

    /** True when this start formatted the storage (first start of this data directory). */
    public boolean formattedNow() {
        return formattedNow;
    }

    /** The cluster id chosen at format time (null when the storage was already formatted). */
    public String clusterId() {
        return clusterId;
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
