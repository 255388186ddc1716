package dev.athanor.controlplane.ingest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Creates Athanor's topics with explicit partitions and retention when they do not exist. */
public final class TopicSetup {
    private TopicSetup() {
    }

    /** @param client further client properties (SASL/TLS: {@code athanor.kafka.client.*}) */
    public static void ensure(String bootstrap, Map<String, String> client, String topic, String dlq, int partitions,
                              short replication, int retentionHours) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.putAll(client);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            String retentionMs = String.valueOf(Duration.ofHours(retentionHours).toMillis());
            List<NewTopic> missing = new java.util.ArrayList<>();
            if (!existing.contains(topic)) {
                missing.add(new NewTopic(topic, partitions, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, retentionMs,
                        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE)));
            }
            if (!existing.contains(dlq)) {
                // Dead letters are kept four times longer: someone has to look at them.
                missing.add(new NewTopic(dlq, 1, replication).configs(Map.of(
                        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Duration.ofHours(retentionHours * 4L).toMillis()))));
            }
            if (!missing.isEmpty()) {
                try {
                    admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating Kafka topics", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot create Kafka topics on " + bootstrap + ": " + e.getMessage(), e);
        }
    }
}
