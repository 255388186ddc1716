package dev.athanor.worker.event;

import dev.athanor.common.event.EventCodec;
import dev.athanor.common.event.WorkerEvent;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Appends each event as one JSON line ({@link EventCodec#encode}) to a file and flushes it at once, so another process
 * can follow the file while the worker runs. Selected with {@code ATHANOR_EVENTS_FILE}; meant for tests and for running
 * a worker by hand without Kafka.
 */
public final class FileEventSink implements EventSink {
    private final Path file;
    private final OutputStream out;

    public FileEventSink(Path file) {
        this.file = file;
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            this.out = Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new EventSinkException("cannot open events file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void send(WorkerEvent event) {
        try {
            out.write(EventCodec.encode(event));
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            throw new EventSinkException("cannot write events file " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean flush(Duration timeout) {
        return true;
    }

    @Override
    public synchronized void close(Duration timeout) {
        try {
            out.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    @Override
    public String describe() {
        return "file " + file;
    }
}
