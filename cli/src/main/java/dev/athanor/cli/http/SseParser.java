package dev.athanor.cli.http;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Parses a {@code text/event-stream} body line by line, as the HTML standard describes: {@code event:}, {@code data:}
 * (several are joined with newlines), {@code id:}, {@code retry:} (ignored), comments starting with {@code :}, and a
 * blank line that dispatches the event. Events without data are not dispatched.
 */
public final class SseParser {
    private String event;
    private final StringBuilder data = new StringBuilder();
    private boolean hasData;
    private String lastId;

    /** Feeds one line (without its line terminator); returns the event it completes, if any. */
    public Optional<SseEvent> accept(String rawLine) {
        String line = rawLine;
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        if (line.isEmpty()) {
            return dispatch();
        }
        if (line.startsWith(":")) {
            return Optional.empty();
        }
        int colon = line.indexOf(':');
        String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "event" -> event = value;
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "id" -> {
                if (!value.contains("\0")) {
                    lastId = value;
                }
            }
            default -> {
                // "retry" and unknown fields are ignored
            }
        }
        return Optional.empty();
    }

    /** The end of the stream: an event not yet terminated by a blank line is discarded, as the standard says. */
    public void finish() {
        reset();
    }

    private Optional<SseEvent> dispatch() {
        if (!hasData) {
            event = null;
            return Optional.empty();
        }
        SseEvent e = new SseEvent(event == null || event.isEmpty() ? "message" : event, data.toString(), lastId);
        reset();
        return Optional.of(e);
    }

    private void reset() {
        event = null;
        data.setLength(0);
        hasData = false;
    }

    /** Parses a whole stream of lines, calling {@code sink} for each event as soon as it is complete. */
    public static void parse(Iterator<String> lines, Consumer<SseEvent> sink) {
        SseParser p = new SseParser();
        while (lines.hasNext()) {
            p.accept(lines.next()).ifPresent(sink);
        }
        p.finish();
    }

    /** Parses a complete recorded body. */
    public static List<SseEvent> parseAll(String body) {
        List<SseEvent> out = new ArrayList<>();
        parse(body.lines().iterator(), out::add);
        return out;
    }
}
