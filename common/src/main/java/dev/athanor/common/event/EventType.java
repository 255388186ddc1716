package dev.athanor.common.event;

/** Kinds of worker event. The wire name is the lower-case form. */
public enum EventType {
    STARTED,
    PROGRESS,
    METRICS,
    HEARTBEAT,
    LOG,
    ARTIFACT,
    RESULT
}
