package dev.athanor.controlplane.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Typed view of the {@code athanor.*} configuration (see application.properties and docs/operations.md). */
@ConfigMapping(prefix = "athanor")
public interface AthanorConfig {

    String home();

    Api api();

    Kafka kafka();

    Launcher launcher();

    Local local();

    Dispatch dispatch();

    Stop stop();

    LostWorker lostWorker();

    Retention retention();

    interface Api {
        @WithDefault("1048576")
        long maxBodyBytes();
    }

    interface Kafka {
        String bootstrapServers();

        String topic();

        String deadLetterTopic();

        int partitions();

        short replicationFactor();

        int retentionHours();

        String groupId();

        /** Static group membership id; must be unique per control-plane replica (the pod name in Kubernetes). */
        String instanceId();

        int maxPollRecords();

        @WithDefault("true")
        boolean enabled();
    }

    interface Launcher {
        @WithDefault("local")
        String kind();
    }

    interface Local {
        String workerJar();

        String workDir();

        int cpuSlots();

        Optional<String> nvidiaSmi();

        String workerJvmOptions();

        int heartbeatSeconds();

        Optional<String> javaCommand();
    }

    interface Dispatch {
        Duration interval();

        int batch();

        @WithDefault("true")
        boolean enabled();
    }

    interface Stop {
        Duration grace();

        /** How long a finished worker's exit waits for its RESULT event to be ingested. */
        @WithDefault("10s")
        Duration resultGrace();
    }

    interface LostWorker {
        Duration timeout();
    }

    interface Retention {
        int days();

        Duration interval();
    }
}
