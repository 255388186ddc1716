package dev.athanor.controlplane.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FieldError;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the small JSON bodies of the admin endpoints (teams, flavors, quotas): unknown fields and wrong types are
 * 400 problems naming every bad field, never silently ignored.
 */
final class AdminBodies {

    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    static final String NAME_RULE = "must be 1-63 lowercase letters, digits or '-'";
    private static final ObjectMapper MAPPER = Json.lenient();

    private final JsonNode root;
    private final List<FieldError> errors = new ArrayList<>();

    private AdminBodies(JsonNode root) {
        this.root = root;
    }

    static AdminBodies parse(String body, Set<String> known) {
        JsonNode n;
        try {
            n = body == null || body.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequestProblem("Malformed JSON", e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()));
        }
        if (!n.isObject()) {
            throw new BadRequestProblem("Invalid request", "the body must be a JSON object");
        }
        Bodies.failOn(dev.athanor.common.spec.StorableText.check(n));
        AdminBodies b = new AdminBodies(n);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!known.contains(f)) {
                b.errors.add(new FieldError(f, "unknown field; known fields: " + known.stream().sorted().toList()));
            }
        }
        return b;
    }

    static void name(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new BadRequestProblem("Invalid request", field + ": " + NAME_RULE, List.of(new FieldError(field, NAME_RULE)));
        }
    }

    boolean has(String f) {
        return root.has(f) && !root.get(f).isNull();
    }

    String text(String f, boolean required, Pattern pattern, String rule) {
        JsonNode v = root.get(f);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(new FieldError(f, "is required"));
            }
            return null;
        }
        if (!v.isTextual() || (pattern != null && !pattern.matcher(v.asText()).matches())) {
            errors.add(new FieldError(f, rule));
            return null;
        }
        return v.asText();
    }

    Integer integer(String f, boolean required, int min, int max) {
        JsonNode v = root.get(f);
        if (v == null || v.isNull()) {
            if (required) {
                errors.add(new FieldError(f, "is required"));
            }
            return null;
        }
        if (!v.isIntegralNumber() || v.asLong() < min || v.asLong() > max) {
            errors.add(new FieldError(f, "must be an integer between " + min + " and " + max));
            return null;
        }
        return v.asInt();
    }

    Double number(String f, double minExclusive, double max) {
        JsonNode v = root.get(f);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || !(v.asDouble() > minExclusive) || v.asDouble() > max) {
            errors.add(new FieldError(f, "must be a number > " + minExclusive + " and <= " + max));
            return null;
        }
        return v.asDouble();
    }

    Map<String, String> stringMap(String f) {
        JsonNode v = root.get(f);
        if (v == null || v.isNull()) {
            return Map.of();
        }
        if (!v.isObject()) {
            errors.add(new FieldError(f, "must be an object of string values"));
            return Map.of();
        }
        java.util.TreeMap<String, String> m = new java.util.TreeMap<>();
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                errors.add(new FieldError(f + "." + e.getKey(), "must be a string"));
            } else {
                m.put(e.getKey(), e.getValue().asText());
            }
        });
        return m;
    }

    JsonNode array(String f) {
        JsonNode v = root.get(f);
        if (v == null || v.isNull()) {
            return MAPPER.createArrayNode();
        }
        if (!v.isArray()) {
            errors.add(new FieldError(f, "must be an array"));
        }
        return v;
    }

    /** Throws the collected field errors as one 400 problem. */
    void done() {
        Bodies.failOn(errors);
    }
}
