package dev.athanor.common.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.time.Instant;
import java.util.UUID;

/**
 * The versioned envelope of everything a worker reports over Kafka (topic {@code athanor.worker-events}, keyed by job
 * id so one job's events stay ordered on one partition).
 *
 * <p>{@code (jobId, attempt, worker, seq)} identifies an event: {@code seq} starts at 1 and increases by one for every
 * event a worker process sends, so the control plane de-duplicates replays by remembering the highest seq applied.
 *
 * @param v       schema version; this is version {@link #VERSION}. Consumers reject versions they do not know.
 * @param payload one of the {@link Payload} records; its {@code type} property selects which.
 */
public record WorkerEvent(int v, UUID jobId, int attempt, int worker, long seq, Instant ts, Payload payload) {

    public static final int VERSION = 1;

    public WorkerEvent {
        if (jobId == null) {
            throw new IllegalArgumentException("jobId is required");
        }
        if (payload == null) {
            throw new IllegalArgumentException("payload is required");
        }
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1");
        }
        if (seq < 1) {
            throw new IllegalArgumentException("seq must be >= 1");
        }
    }

    @JsonIgnore
    public EventType type() {
        return payload.type();
    }

    @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
    @JsonSubTypes({
            @JsonSubTypes.Type(value = Payloads.Started.class, name = "started"),
            @JsonSubTypes.Type(value = Payloads.Progress.class, name = "progress"),
            @JsonSubTypes.Type(value = Payloads.Metrics.class, name = "metrics"),
            @JsonSubTypes.Type(value = Payloads.Heartbeat.class, name = "heartbeat"),
            @JsonSubTypes.Type(value = Payloads.Log.class, name = "log"),
            @JsonSubTypes.Type(value = Payloads.Artifact.class, name = "artifact"),
            @JsonSubTypes.Type(value = Payloads.Result.class, name = "result")
    })
    public sealed interface Payload permits Payloads.Started, Payloads.Progress, Payloads.Metrics, Payloads.Heartbeat,
            Payloads.Log, Payloads.Artifact, Payloads.Result {
        @JsonIgnore
        EventType type();
    }
}
