package dev.athanor.common.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;

import java.nio.charset.StandardCharsets;

/** Encodes and decodes {@link WorkerEvent}s; the Kafka record value is UTF-8 JSON. */
public final class EventCodec {
    public static final String TOPIC = "athanor.worker-events";
    public static final String DEAD_LETTER_TOPIC = "athanor.worker-events.dlq";

    private static final ObjectMapper MAPPER = Json.lenient();

    private EventCodec() {
    }

    public static byte[] encode(WorkerEvent e) {
        try {
            return MAPPER.writeValueAsBytes(e);
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot encode event", ex);
        }
    }

    /** @throws MalformedEventException with a reason fit for the dead-letter topic */
    public static WorkerEvent decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new MalformedEventException("empty record value");
        }
        JsonNode tree;
        try {
            tree = MAPPER.readTree(bytes);
        } catch (Exception ex) {
            throw new MalformedEventException("not JSON: " + firstLine(ex.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new MalformedEventException("not a JSON object");
        }
        JsonNode v = tree.get("v");
        if (v == null || !v.canConvertToInt()) {
            throw new MalformedEventException("missing schema version 'v'");
        }
        if (v.asInt() != WorkerEvent.VERSION) {
            throw new MalformedEventException("unsupported schema version " + v.asText() + " (this control plane reads "
                    + WorkerEvent.VERSION + ")");
        }
        try {
            return MAPPER.treeToValue(tree, WorkerEvent.class);
        } catch (JsonProcessingException ex) {
            throw new MalformedEventException("invalid event: " + firstLine(ex.getOriginalMessage()));
        } catch (IllegalArgumentException ex) {
            Throwable root = ex;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            throw new MalformedEventException("invalid event: " + firstLine(root.getMessage()));
        }
    }

    public static String preview(byte[] bytes, int max) {
        if (bytes == null) {
            return "";
        }
        String s = new String(bytes, 0, Math.min(bytes.length, max), StandardCharsets.UTF_8);
        return bytes.length > max ? s + "…" : s;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
