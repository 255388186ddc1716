package dev.athanor.common.launch;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Everything a launcher needs to start all workers of one attempt.
 *
 * @param job         the worker-facing description (written to the worker's job file)
 * @param secretNames secrets to inject by reference (never by value in this request)
 * @param maxRuntime  the attempt is stopped after this long; {@link Duration#ZERO} for no limit
 * @param gpuIds      GPUs assigned per worker by the scheduler, where the launcher manages GPUs itself
 * @param priority    the job's priority (a Kubernetes PriorityClass, for instance)
 * @param eventKey    the attempt's event-signing key (ADR 0012), handed to its workers like a secret; null: none
 */
public record LaunchRequest(AttemptKey key, WorkerJob job, Resources resources, List<String> secretNames,
                            Duration maxRuntime, Map<Integer, List<Integer>> gpuIds, Priority priority,
                            EventKey eventKey) {

    /** A request without an event-signing key. */
    public LaunchRequest(AttemptKey key, WorkerJob job, Resources resources, List<String> secretNames,
                         Duration maxRuntime, Map<Integer, List<Integer>> gpuIds, Priority priority) {
        this(key, job, resources, secretNames, maxRuntime, gpuIds, priority, null);
    }

    /** This request with the attempt's event-signing key. */
    public LaunchRequest withEventKey(EventKey k) {
        return new LaunchRequest(key, job, resources, secretNames, maxRuntime, gpuIds, priority, k);
    }

    /** An attempt's event-signing key; {@link #toString()} never shows it. */
    public record EventKey(String encoded) {
        public EventKey {
            java.util.Objects.requireNonNull(encoded);
        }

        @Override
        public String toString() {
            return "EventKey[hidden]";
        }
    }

    /** A request at {@link Priority#NORMAL}. */
    public LaunchRequest(AttemptKey key, WorkerJob job, Resources resources, List<String> secretNames,
                         Duration maxRuntime, Map<Integer, List<Integer>> gpuIds) {
        this(key, job, resources, secretNames, maxRuntime, gpuIds, Priority.NORMAL);
    }

    public LaunchRequest {
        if (priority == null) {
            priority = Priority.NORMAL;
        }
        secretNames = secretNames == null ? List.of() : List.copyOf(secretNames);
        gpuIds = gpuIds == null ? Map.of() : Map.copyOf(gpuIds);
        if (maxRuntime == null) {
            maxRuntime = Duration.ZERO;
        }
    }
}
