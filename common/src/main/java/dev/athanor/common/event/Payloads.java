package dev.athanor.common.event;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.List;
import java.util.Map;

/** The payload records of {@link WorkerEvent}, version 1. */
public final class Payloads {
    private Payloads() {
    }

    /** The worker process is up. {@code gpus} is what it was given (CUDA_VISIBLE_DEVICES), empty on CPU. */
    public record Started(String host, long pid, List<Integer> gpus, String engine) implements WorkerEvent.Payload {
        public Started {
            gpus = gpus == null ? List.of() : List.copyOf(gpus);
        }

        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.STARTED;
        }
    }

    /**
     * @param step       units done (images, optimizer steps, ...)
     * @param total      units in all, 0 if unknown
     * @param etaSeconds estimated seconds left, -1 if unknown
     * @param phase      free text such as "training" or "exporting"
     */
    public record Progress(long step, long total, double etaSeconds, String phase) implements WorkerEvent.Payload {
        @JsonIgnore
        public double fraction() {
            return total <= 0 ? 0.0 : Math.min(1.0, (double) step / total);
        }

        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.PROGRESS;
        }
    }

    /** Named values at a step: loss, lr, eval_loss, labels_per_second, errors, ... */
    public record Metrics(long step, Map<String, Double> values) implements WorkerEvent.Payload {
        public Metrics {
            values = values == null ? Map.of() : Map.copyOf(values);
        }

        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.METRICS;
        }
    }

    public record Heartbeat() implements WorkerEvent.Payload {
        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.HEARTBEAT;
        }
    }

    /** A batch of log lines from one stream (stdout, stderr or the worker's own log). */
    public record Log(String stream, List<String> lines) implements WorkerEvent.Payload {
        public Log {
            lines = lines == null ? List.of() : List.copyOf(lines);
        }

        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.LOG;
        }
    }

    /** A file the job produced. */
    public record Artifact(String name, String uri, long sizeBytes, String sha256, String kind) implements WorkerEvent.Payload {
        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.ARTIFACT;
        }
    }

    /** The attempt's own verdict; the last event a worker sends. */
    public record Result(Status status, String message, Map<String, Double> summary) implements WorkerEvent.Payload {
        public enum Status { SUCCEEDED, FAILED, CANCELLED }

        public Result {
            summary = summary == null ? Map.of() : Map.copyOf(summary);
        }

        @Override
        @JsonIgnore
        public EventType type() {
            return EventType.RESULT;
        }
    }
}
