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

    /** Where job specs may point (issue 8, defect 4; see {@link dev.athanor.common.spec.PathPolicy}). */
    Paths paths();

    /**
     * Roots for the absolute paths of job specs; {@code {team}} stands for the job's team. Unset: any absolute path
     * outside the control plane's home (its datasets/, outputs/ and demo/ folders excepted). Relative paths always
     * resolve inside the attempt's work directory.
     */
    interface Paths {
        /** Roots jobs may read from (datasets), besides the write roots. */
        java.util.Optional<java.util.List<String>> readRoots();

        /** Roots jobs may write to, e.g. {@code /data/outputs/{team}}. */
        java.util.Optional<java.util.List<String>> writeRoots();

        default dev.athanor.common.spec.PathPolicy policy(String home) {
            return dev.athanor.common.spec.PathPolicy.protectingHome(home, readRoots().orElse(java.util.List.of()),
                    writeRoots().orElse(java.util.List.of()));
        }
    }

    Api api();

    Kafka kafka();

    Launcher launcher();

    Local local();

    Kubernetes kubernetes();

    Dispatch dispatch();

    Stop stop();

    LostWorker lostWorker();

    Retention retention();

    Scheduling scheduling();

    /** Test-only switches; every one is off by default and must never be set in production. */
    TestOnly test();

    Auth auth();

    Events events();

    /** Worker-event signatures (ADR 0012). */
    interface Events {
        /** Master key (at least 32 characters); absent: {@code <home>/event-signing.key}, generated on first start. */
        Optional<String> signingKey();

        /** false accepts unsigned records (a rolling upgrade from older workers only); signed ones are verified. */
        @WithDefault("true")
        boolean requireSignature();
    }

    interface Api {
        @WithDefault("1048576")
        long maxBodyBytes();

        /** A team with this many PENDING jobs gets 429 for new submissions until some leave the queue. */
        @WithDefault("10000")
        int maxPendingPerTeam();
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

        /**
         * Further Kafka client properties for the consumer, the dead-letter producer and the admin client, e.g.
         * {@code athanor.kafka.client."security.protocol"=SASL_SSL} (SASL/TLS settings).
         */
        Map<String, String> client();
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

        /**
         * Worker image per job kind, e.g. {@code athanor.kubernetes.engine-images.FINE_TUNE=ghcr.io/athanor/worker-finetune:0.1.0};
         * kinds not named run {@link #image()}.
         */
        Map<String, String> engineImages();

        /**
         * PersistentVolumeClaims mounted into every worker pod, by volume name, e.g.
         * {@code athanor.kubernetes.volumes.datasets.claim-name=athanor-datasets}. A writable volume is mounted per
         * team (subPath = the team); a read-only one whole.
         */
        Map<String, Volume> volumes();

        @WithDefault("athanor-control-plane")
        String leaseName();

        /** This replica's identity in the Lease (the pod name). */
        @WithDefault("${HOSTNAME:athanor-control-plane}")
        String identity();

        /** How long a Lease is valid without renewal: a killed leader is replaced after at most this. */
        @WithDefault("15s")
        Duration leaseDuration();

        /** The leader gives up (stops acting) when it could not renew for this long. */
        @WithDefault("10s")
        Duration renewDeadline();

        /** How often candidates try to acquire, and the leader renews, the Lease. */
        @WithDefault("2s")
        Duration retryPeriod();

        /**
         * Pod creates in flight at once: launch records the attempt and returns, creates run on this many threads
         * (a refused create comes back as a LaunchFailed exit). 0: each launch creates its pods before it returns.
         */
        @WithDefault("8")
        int launchThreads();

        interface Flavor {
            Map<String, String> nodeSelector();
        }

        interface Volume {
            String claimName();

            String mountPath();

            @WithDefault("false")
            boolean readOnly();
        }
    }

    interface Dispatch {
        Duration interval();

        @WithDefault("true")
        boolean enabled();

        /**
         * Backoff before a launch refused for now (leadership moved, quota, HTTP 409/5xx) is tried again; it doubles
         * with each refusal in a row up to {@link #refusalBackoffMax()}. Refusals never use one of the job's attempts.
         */
        @WithDefault("10s")
        Duration refusalBackoff();

        @WithDefault("5m")
        Duration refusalBackoffMax();
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

    /** Test-only fault injection (see {@code lifecycle.CrashPoint}). */
    interface TestOnly {
        /**
         * TEST ONLY: {@code after-intent} halts the JVM after a launch intent was recorded, before the launcher
         * creates anything; {@code after-create} halts it right after the launcher created the pods. Empty: off.
         */
        Optional<String> crashPoint();
    }

    /** How long each table keeps its rows (docs/operations.md, "Retention"); 0 keeps them forever. */
    interface Retention {
        /** Logs, metric points and ingest cursors of jobs finished longer ago than this. */
        int days();

        /** Finished jobs themselves (with attempts, timeline and artifact metadata). */
        @WithDefault("365")
        int jobDays();

        /** Audit events, and API tokens revoked or expired longer ago than this. */
        @WithDefault("365")
        int auditDays();

        Duration interval();
    }

    /** The multi-team scheduler (quotas, fair share, preemption); see docs/scheduling.md. */
    interface Scheduling {
        /** Half-life of each team's decayed historical GPU usage (Slurm's default is 7 days). */
        @WithDefault("7d")
        Duration usageHalfLife();

        /** Weight of the historical-usage term in the fair-share score (0 = current usage only). */
        @WithDefault("0.5")
        double usageWeight();

        /** A job that waited this long and still does not fit gets GPUs reserved (bounded starvation). */
        @WithDefault("30m")
        Duration reservationAfter();

        @WithDefault("2")
        int maxReservationsPerFlavor();

        /** A running job is never preempted before it ran this long. */
        @WithDefault("10m")
        Duration minRuntime();

        /** Reclaim of borrowed GPUs and in-team priority preemption. */
        @WithDefault("true")
        boolean preemption();

        /** A team below its nominal quota reclaims borrowed GPUs by preemption only for a job that waited this long. */
        @WithDefault("30m")
        Duration reclaimAfter();

        /** A job already preempted this often is never chosen as a victim again. */
        @WithDefault("1")
        int maxPreemptionsPerJob();

        /** A victim's remaining expected runtime must be at least this many times the work a stop throws away. */
        @WithDefault("4")
        double gainOverLoss();

        /** SIGTERM → SIGKILL grace for a preempted attempt, its time to checkpoint. */
        @WithDefault("30s")
        Duration preemptionGrace();

        /** The cohort of teams that have none configured; it also holds capacity no nominal quota covers. */
        @WithDefault("default")
        String defaultCohort();

        /** At most this many pending jobs are considered per cycle (oldest first by priority). */
        @WithDefault("100000")
        int maxPending();

        /** How often the leader publishes queue positions, reasons and estimated starts to the database. */
        @WithDefault("1s")
        Duration publishInterval();

        /**
         * At most this many queue rows are written per publication, nearest the head first; the rest of a large
         * shift follows at the next intervals.
         */
        @WithDefault("5000")
        int publishLimit();
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
