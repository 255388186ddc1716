package dev.athanor.worker;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.event.KafkaEventSink;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The worker's settings, read from the environment ({@link WorkerContract} plus a few worker-only variables).
 *
 * @param eventsFile when set, events go to this JSON-lines file instead of Kafka ({@value #EVENTS_FILE})
 */
public record WorkerConfig(String jobIdText, String attemptText, int workerIndex, String kafkaBootstrap, String topic,
                           Path workDir, Duration heartbeat, Path eventsFile, String jobFile, String jobJson,
                           KafkaEventSink.Settings kafka, Duration stopGrace) {

    /** Worker-only: write events as JSON lines to this file instead of Kafka (tests, manual runs). */
    public static final String EVENTS_FILE = "ATHANOR_EVENTS_FILE";
    /** Worker-only: producer {@code max.block.ms} (default 60000). */
    public static final String KAFKA_MAX_BLOCK_MS = "ATHANOR_KAFKA_MAX_BLOCK_MS";
    /** Worker-only: producer {@code delivery.timeout.ms}, the broker outage a worker rides out (default 600000). */
    public static final String KAFKA_DELIVERY_TIMEOUT_MS = "ATHANOR_KAFKA_DELIVERY_TIMEOUT_MS";
    /** Worker-only: producer {@code buffer.memory}, bytes of events kept while not acknowledged (default 32 MiB). */
    public static final String KAFKA_BUFFER_BYTES = "ATHANOR_KAFKA_BUFFER_BYTES";
    /** Worker-only prefix: {@code ATHANOR_KAFKA_CONFIG_SECURITY_PROTOCOL=SASL_SSL} sets {@code security.protocol}. */
    public static final String KAFKA_CONFIG_PREFIX = "ATHANOR_KAFKA_CONFIG_";
    /** Worker-only: seconds to wait for the engine to stop after SIGTERM before reporting CANCELLED anyway (20). */
    public static final String STOP_GRACE_SECONDS = "ATHANOR_STOP_GRACE_SECONDS";

    /** @throws JobRejectedException naming the variable that is malformed */
    public static WorkerConfig fromEnv(Map<String, String> env) {
        String bootstrap = blankToNull(env.get(WorkerContract.KAFKA_BOOTSTRAP));
        String eventsFile = blankToNull(env.get(EVENTS_FILE));
        String topic = blankToNull(env.get(WorkerContract.EVENTS_TOPIC));
        String workDir = blankToNull(env.get(WorkerContract.WORK_DIR));
        Map<String, String> extra = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(KAFKA_CONFIG_PREFIX) && k.length() > KAFKA_CONFIG_PREFIX.length()) {
                extra.put(k.substring(KAFKA_CONFIG_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.'), v);
            }
        });
        return new WorkerConfig(
                blankToNull(env.get(WorkerContract.JOB_ID)),
                blankToNull(env.get(WorkerContract.ATTEMPT)),
                (int) number(env, WorkerContract.WORKER_INDEX, 0),
                bootstrap,
                topic == null ? EventCodec.TOPIC : topic,
                Path.of(workDir == null ? "." : workDir).toAbsolutePath().normalize(),
                Duration.ofMillis((long) (number(env, WorkerContract.HEARTBEAT_SECONDS, 10) * 1000)),
                eventsFile == null ? null : Path.of(eventsFile),
                blankToNull(env.get(WorkerContract.JOB_FILE)),
                blankToNull(env.get(WorkerContract.JOB_JSON)),
                new KafkaEventSink.Settings(
                        (long) number(env, KAFKA_MAX_BLOCK_MS, KafkaEventSink.Settings.DEFAULT_MAX_BLOCK_MS),
                        (long) number(env, KAFKA_DELIVERY_TIMEOUT_MS, KafkaEventSink.Settings.DEFAULT_DELIVERY_TIMEOUT_MS),
                        (long) number(env, KAFKA_BUFFER_BYTES, KafkaEventSink.Settings.DEFAULT_BUFFER_BYTES), extra),
                Duration.ofMillis((long) (number(env, STOP_GRACE_SECONDS, 20) * 1000)));
    }

    /** The SIGTERM grace period; the default when the variable is malformed. */
    public static Duration stopGraceOf(Map<String, String> env) {
        try {
            return Duration.ofMillis((long) (number(env, STOP_GRACE_SECONDS, 20) * 1000));
        } catch (JobRejectedException e) {
            return Duration.ofSeconds(20);
        }
    }

    /** Problems that make the worker unable to run at all. */
    public List<String> problems() {
        List<String> out = new ArrayList<>();
        if (jobFile == null && jobJson == null) {
            out.add(WorkerContract.JOB_FILE + " or " + WorkerContract.JOB_JSON + " is required");
        }
        if (kafkaBootstrap == null && eventsFile == null) {
            out.add(WorkerContract.KAFKA_BOOTSTRAP + " is required (or " + EVENTS_FILE + " for a file event sink)");
        }
        if (heartbeat.isZero() || heartbeat.isNegative()) {
            out.add(WorkerContract.HEARTBEAT_SECONDS + " must be greater than 0");
        }
        return out;
    }

    private static double number(Map<String, String> env, String name, double fallback) {
        String v = blankToNull(env.get(name));
        if (v == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new JobRejectedException(name + " must be a number, got '" + v + "'");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
