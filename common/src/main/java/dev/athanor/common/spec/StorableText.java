package dev.athanor.common.spec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one rule for text the platform stores: PostgreSQL (text, varchar, jsonb) cannot hold U+0000, and UTF-8 cannot
 * encode an unpaired UTF-16 surrogate. Such text is refused where it enters (request bodies, path and query
 * parameters) with the field it was found in, never left for the database to fail on.
 */
public final class StorableText {
    private StorableText() {
    }

    /** Why {@code s} cannot be stored, or null when it can (null input is storable). */
    public static String problem(String s) {
        if (s == null) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\0') {
                return "must not contain the NUL character (U+0000)";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must not contain an unpaired UTF-16 surrogate";
            }
            if (Character.isLowSurrogate(c)) {
                return "must not contain an unpaired UTF-16 surrogate";
            }
        }
        return null;
    }

    public static boolean isStorable(String s) {
        return problem(s) == null;
    }

    /** Every string (value or field name) in {@code node} that cannot be stored, named by its dotted path. */
    public static List<FieldError> check(JsonNode node) {
        List<FieldError> errors = new ArrayList<>();
        walk(node, "", errors);
        return errors;
    }

    private static void walk(JsonNode n, String path, List<FieldError> errors) {
        if (n == null) {
            return;
        }
        if (n.isTextual()) {
            String p = problem(n.textValue());
            if (p != null) {
                errors.add(new FieldError(path.isEmpty() ? "body" : path, p));
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                walk(n.get(i), path + "[" + i + "]", errors);
            }
        } else if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = e.getKey();
                String keyProblem = problem(key);
                String child = (path.isEmpty() ? "" : path + ".") + printable(key);
                if (keyProblem != null) {
                    errors.add(new FieldError(child, "field name " + keyProblem));
                }
                walk(e.getValue(), child, errors);
            }
        }
    }

    /** {@code s} with unstorable characters shown as {@code \\uXXXX}, safe to echo in an error. */
    public static String printable(String s) {
        if (isStorable(s)) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean pair = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (pair) {
                b.append(c).append(s.charAt(++i));
            } else if (c == '\0' || Character.isSurrogate(c)) {
                b.append(String.format("\\u%04X", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
