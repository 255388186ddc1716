package dev.athanor.cli.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Field paths as errors name them: {@code spec.strength}, {@code resources.gpusPerWorker}, {@code spec.operations[1]}.
 * Under {@code labels} and {@code spec.overrides} (maps) the rest of the path is one key, dots included.
 */
public final class FieldPath {
    private FieldPath() {
    }

    /** A segment is a field name (String) or a list index (Integer). */
    public static List<Object> split(String path) {
        List<Object> out = new ArrayList<>();
        if (path == null || path.isEmpty()) {
            return out;
        }
        for (String mapRoot : new String[]{"labels.", "spec.overrides."}) {
            if (path.startsWith(mapRoot) && path.length() > mapRoot.length()) {
                out.addAll(split(mapRoot.substring(0, mapRoot.length() - 1)));
                out.add(path.substring(mapRoot.length()));
                return out;
            }
        }
        StringBuilder cur = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '.') {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                i++;
            } else if (c == '[') {
                int end = path.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed '[' in " + path);
                }
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
                out.add(Integer.parseInt(path.substring(i + 1, end).trim()));
                i = end + 1;
            } else {
                cur.append(c);
                i++;
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    /** Removes the node at {@code path}; false if there is none. */
    public static boolean remove(JsonNode root, String path) {
        List<Object> segs;
        try {
            segs = split(path);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (segs.isEmpty()) {
            return false;
        }
        JsonNode parent = root;
        for (int i = 0; i < segs.size() - 1; i++) {
            parent = child(parent, segs.get(i));
            if (parent == null) {
                return false;
            }
        }
        Object last = segs.get(segs.size() - 1);
        if (last instanceof String f && parent instanceof ObjectNode o && o.has(f)) {
            o.remove(f);
            return true;
        }
        if (last instanceof Integer idx && parent instanceof ArrayNode a && idx < a.size()) {
            a.remove(idx.intValue());
            return true;
        }
        return false;
    }

    /** Sets {@code value} at {@code path}, creating objects (and growing lists) on the way. */
    public static void set(ObjectNode root, String path, JsonNode value) {
        List<Object> segs = split(path);
        if (segs.isEmpty() || !(segs.get(0) instanceof String)) {
            throw new IllegalArgumentException("must start with a field name");
        }
        JsonNode node = root;
        for (int i = 0; i < segs.size(); i++) {
            Object seg = segs.get(i);
            boolean last = i == segs.size() - 1;
            JsonNode next = last ? value : child(node, seg);
            if (!last && (next == null || !(next.isObject() || next.isArray()))) {
                next = segs.get(i + 1) instanceof Integer ? JsonNodeFactory.instance.arrayNode() : JsonNodeFactory.instance.objectNode();
            }
            if (seg instanceof String f) {
                if (!(node instanceof ObjectNode o)) {
                    throw new IllegalArgumentException("'" + f + "' is not inside an object");
                }
                o.set(f, next);
            } else {
                int idx = (Integer) seg;
                if (!(node instanceof ArrayNode a)) {
                    throw new IllegalArgumentException("[" + idx + "] is not inside a list");
                }
                if (idx > a.size()) {
                    throw new IllegalArgumentException("index " + idx + " is past the end of a list of " + a.size());
                }
                if (idx == a.size()) {
                    a.add(next);
                } else {
                    a.set(idx, next);
                }
            }
            node = next;
        }
    }

    private static JsonNode child(JsonNode node, Object seg) {
        if (seg instanceof String f) {
            return node.isObject() ? node.get(f) : null;
        }
        int idx = (Integer) seg;
        return node.isArray() && idx < node.size() ? node.get(idx) : null;
    }
}
