package dev.athanor.common.event;

/** A Kafka record that is not a valid {@link WorkerEvent}; it goes to the dead-letter topic with this message. */
public class MalformedEventException extends RuntimeException {
    public MalformedEventException(String reason) {
        super(reason);
    }
}
