package dev.athanor.controlplane.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Typed view of the {@code athanor.*} configuration (see application.properties and docs/operations.md). */
@ConfigMapping(prefix = "athanor")
public interface AthanorConfig {

    String home();

    Api api();

    Kafka kafka();

    Launcher launcher();

    Local local();

    Kubernetes kubernetes();

    Dispatch dispatch();

    Stop stop();

    LostWorker lostWorker();

    Retention retention();

    Auth auth();

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

    /** Used when {@code athanor.launcher.kind=kubernetes}. */
    interface Kubernetes {
        /** API server URL; empty: in-cluster service account or ~/.kube/config. */
        Optional<String> masterUrl();

        /** Namespace worker pods and the leader-election Lease live in. */
        @WithDefault("athanor")
        String namespace();

        /** The worker image (it runs the worker jar, plus the GPU tools for its engines). */
        @WithDefault("ghcr.io/athanor/worker:latest")
        String image();

        Optional<String> serviceAccount();

        @WithDefault("nvidia.com/gpu")
        String gpuResourceName();

        /** GPU flavors: {@code athanor.kubernetes.flavors.h200-141gb.node-selector."nvidia.com/gpu.product"=NVIDIA-H200}. */
        Map<String, Flavor> flavors();

        /** Priority class name per Athanor priority, e.g. {@code athanor.kubernetes.priority-classes.HIGH=athanor-high}. */
        Map<String, String> priorityClasses();

        @WithDefault("athanor-control-plane")
        String leaseName();

        /** This replica's identity in the Lease (the pod name). */
        @WithDefault("${HOSTNAME:athanor-control-plane}")
        String identity();

        interface Flavor {
            Map<String, String> nodeSelector();
        }
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

        /** A running worker whose heartbeats stop for this long (a frozen process) is stopped and retried. */
        @WithDefault("60s")
        Duration heartbeatTimeout();
    }

    interface Retention {
        int days();

        Duration interval();
    }

    /** Authentication (docs/operations.md, Authentication). */
    interface Auth {
        /**
         * A plain secret stored (hashed) at startup as a non-expiring cluster-admin token of
         * {@link #bootstrapSubject()}, unless a token with its hash exists. Set it from a Secret
         * (ATHANOR_AUTH_BOOTSTRAP_TOKEN); never logged.
         */
        Optional<String> bootstrapToken();

        @WithDefault("admin")
        String bootstrapSubject();

        /** A team created at startup when missing (the embedded stack uses {@code default}). */
        Optional<String> bootstrapTeam();

        /** How long a successful token lookup is reused: the bound on revocation latency across replicas. */
        @WithDefault("10s")
        Duration cacheTtl();

        @WithDefault("10000")
        int cacheSize();
    }
}
