package dev.athanor.worker.event;

import dev.athanor.common.event.Payloads;
import dev.athanor.common.event.WorkerEvent;

import java.time.Instant;
import java.util.UUID;

/**
 * Wraps payloads in {@link WorkerEvent} envelopes and hands them to a sink. {@code seq} starts at 1 and grows by one per
 * event; assigning it and sending happen under one lock so sink order equals seq order. After the RESULT event nothing
 * else is sent.
 */
public final class EventEmitter {
    private final EventSink sink;
    private final UUID jobId;
    private final int attempt;
    private final int worker;
    private long seq;
    private boolean resultSent;
    private long logLines;
    private long metricPoints;

    /** What this worker handed to its sink: events, and the log lines and metric points inside them. */
    public record Sent(long events, long logLines, long metricPoints) {
        /** One line for the worker's own log, e.g. to check against what the control plane stored. */
        public String describe() {
            return events + " events (" + logLines + " log lines, " + metricPoints + " metric points)";
        }
    }

    public EventEmitter(EventSink sink, UUID jobId, int attempt, int worker) {
        this.sink = sink;
        this.jobId = jobId;
        this.attempt = attempt;
        this.worker = worker;
    }

    /**
     * Sends one event unless the result was already sent.
     *
     * @return false if it was dropped because the attempt already reported its result
     */
    public synchronized boolean emit(WorkerEvent.Payload payload) {
        if (resultSent) {
            return false;
        }
        if (payload instanceof Payloads.Result) {
            resultSent = true;
        } else if (payload instanceof Payloads.Log l) {
            logLines += l.lines().size();
        } else if (payload instanceof Payloads.Metrics m) {
            metricPoints += m.values().size();
        }
        sink.send(new WorkerEvent(WorkerEvent.VERSION, jobId, attempt, worker, ++seq, Instant.now(), payload));
        return true;
    }

    public synchronized Sent sent() {
        return new Sent(seq, logLines, metricPoints);
    }

    public synchronized boolean resultSent() {
        return resultSent;
    }

    public EventSink sink() {
        return sink;
    }

    public UUID jobId() {
        return jobId;
    }
}
