package dev.athanor.cli.submit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.util.List;

/**
 * {@code --set key=value}: sets a field of every submission before validation, e.g. {@code spec.strength=0.6},
 * {@code resources.gpusPerWorker=2}, {@code labels.dataset=runners-v2}, {@code spec.operations=[hflip, blur]}.
 * The value is read as JSON ({@code 2}, {@code 0.6}, {@code true}, {@code null}, {@code "007"}); a list or object
 * may use YAML flow syntax; anything else is a string.
 */
public final class Overrides {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private Overrides() {
    }

    public record Assignment(String path, JsonNode value) {
    }

    public static Assignment parse(String raw) {
        int eq = raw.indexOf('=');
        if (eq <= 0) {
            throw new InvalidInputException("error: --set " + raw + ": expected key=value, e.g. --set spec.strength=0.6");
        }
        String key = raw.substring(0, eq).trim();
        String text = raw.substring(eq + 1);
        try {
            FieldPath.split(key);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("error: --set " + raw + ": " + e.getMessage());
        }
        return new Assignment(key, value(text));
    }

    static JsonNode value(String text) {
        String t = text.strip();
        if (t.isEmpty()) {
            return JsonNodeFactory.instance.textNode(text);
        }
        try {
            JsonNode n = JSON.readTree(t);
            if (n != null && !n.isMissingNode()) {
                return n;
            }
        } catch (Exception ignored) {
            // not JSON
        }
        if (t.startsWith("[") || t.startsWith("{")) {
            try {
                JsonNode n = YAML.readTree(t);
                if (n != null && (n.isArray() || n.isObject())) {
                    return n;
                }
            } catch (Exception ignored) {
                // not YAML flow either: a string
            }
        }
        return JsonNodeFactory.instance.textNode(text);
    }

    public static void apply(List<Assignment> assignments, JobDocument doc) {
        if (!(doc.tree() instanceof ObjectNode root)) {
            return;
        }
        for (Assignment a : assignments) {
            try {
                FieldPath.set(root, a.path(), a.value().deepCopy());
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("error: --set " + a.path() + ": " + e.getMessage());
            }
        }
    }
}
