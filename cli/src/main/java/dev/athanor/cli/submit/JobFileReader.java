package dev.athanor.cli.submit;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads job submissions from a YAML or JSON file (by extension, else by content). A YAML file may hold several
 * documents separated by {@code ---}; a JSON or YAML file whose root is a list holds one job per element. Remembers
 * the line of every field so that errors point into the file. Syntax errors carry their line and column.
 */
public final class JobFileReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final YAMLFactory YAML = YAMLFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final JsonFactory JSON = JsonFactory.builder().enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

    public enum Format { YAML, JSON }

    private JobFileReader() {
    }

    public static List<JobDocument> read(Path path) {
        String name = path.toString();
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("error: " + name + ": no such file");
        } catch (MalformedInputException e) {
            throw new InvalidInputException("error: " + name + ": not a UTF-8 text file");
        } catch (IOException e) {
            throw new InvalidInputException("error: " + name + ": cannot read: " + e.getMessage());
        }
        return read(name, text, formatOf(name, text));
    }

    public static Format formatOf(String name, String text) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.endsWith(".json")) {
            return Format.JSON;
        }
        if (n.endsWith(".yaml") || n.endsWith(".yml")) {
            return Format.YAML;
        }
        String t = text.stripLeading();
        if (t.startsWith("\uFEFF")) {
            t = t.substring(1).stripLeading();
        }
        return t.startsWith("{") || t.startsWith("[") ? Format.JSON : Format.YAML;
    }

    public static List<JobDocument> read(String name, String text, Format format) {
        List<Root> roots = new ArrayList<>();
        try (JsonParser p = (format == Format.YAML ? YAML : JSON).createParser(text)) {
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                int line = p.currentTokenLocation().getLineNr();
                Map<String, Integer> lines = new HashMap<>();
                JsonNode node = build(p, t, "", lines);
                if (node.isArray()) {
                    for (int i = 0; i < node.size(); i++) {
                        roots.add(new Root(node.get(i), lines.getOrDefault("[" + i + "]", line), rebase(lines, "[" + i + "]")));
                    }
                } else if (!node.isNull() && !node.isMissingNode()) {
                    roots.add(new Root(node, line, lines));
                }
            }
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(syntaxError(name, format, e));
        } catch (IOException e) {
            throw new InvalidInputException("error: " + name + ": cannot read: " + e.getMessage());
        }
        if (roots.isEmpty()) {
            throw new InvalidInputException("error: " + name + ": holds no job (expected a " + format + " document with name, team, kind and spec)");
        }
        List<JobDocument> docs = new ArrayList<>();
        for (int i = 0; i < roots.size(); i++) {
            Root r = roots.get(i);
            docs.add(new JobDocument(name, i + 1, roots.size(), r.node, r.line, r.lines));
        }
        return docs;
    }

    private record Root(JsonNode node, int line, Map<String, Integer> lines) {
    }

    private static Map<String, Integer> rebase(Map<String, Integer> lines, String prefix) {
        Map<String, Integer> out = new HashMap<>();
        lines.forEach((k, v) -> {
            if (k.startsWith(prefix + ".")) {
                out.put(k.substring(prefix.length() + 1), v);
            }
        });
        return out;
    }

    static String syntaxError(String name, Format format, JsonProcessingException e) {
        JsonLocation loc = e.getLocation();
        String where = name;
        if (loc != null && loc.getLineNr() > 0) {
            where += ":" + loc.getLineNr() + (loc.getColumnNr() > 0 ? ":" + loc.getColumnNr() : "");
        }
        String msg = e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage();
        // SnakeYAML repeats the location and quotes the source in following lines: keep the first sentence.
        msg = msg.lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("in 'reader'") && !s.startsWith("^")
                && !s.startsWith("at [Source")).findFirst().orElse(msg).strip();
        int cut = msg.indexOf(" at [Source");
        if (cut > 0) {
            msg = msg.substring(0, cut);
        }
        return "error: " + where + ": invalid " + format + ": " + msg;
    }

    private static JsonNode build(JsonParser p, JsonToken t, String path, Map<String, Integer> lines) throws IOException {
        if (!path.isEmpty()) {
            lines.putIfAbsent(path, p.currentTokenLocation().getLineNr());
        }
        switch (t) {
            case START_OBJECT -> {
                ObjectNode o = NODES.objectNode();
                JsonToken n;
                while ((n = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    String childPath = path.isEmpty() ? field : path + "." + field;
                    lines.put(childPath, p.currentTokenLocation().getLineNr());
                    JsonToken v = p.nextToken();
                    o.set(field, build(p, v, childPath, lines));
                }
                return o;
            }
            case START_ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                JsonToken n;
                int i = 0;
                while ((n = p.nextToken()) != JsonToken.END_ARRAY && n != null) {
                    a.add(build(p, n, path + "[" + i + "]", lines));
                    i++;
                }
                return a;
            }
            case VALUE_STRING -> {
                return NODES.textNode(p.getText());
            }
            case VALUE_NUMBER_INT -> {
                return switch (p.getNumberType()) {
                    case INT -> NODES.numberNode(p.getIntValue());
                    case LONG -> NODES.numberNode(p.getLongValue());
                    default -> NODES.numberNode(p.getBigIntegerValue());
                };
            }
            case VALUE_NUMBER_FLOAT -> {
                return p.getNumberType() == JsonParser.NumberType.BIG_DECIMAL
                        ? NODES.numberNode(p.getDecimalValue()) : NODES.numberNode(p.getDoubleValue());
            }
            case VALUE_TRUE -> {
                return NODES.booleanNode(true);
            }
            case VALUE_FALSE -> {
                return NODES.booleanNode(false);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            case VALUE_EMBEDDED_OBJECT -> {
                Object o = p.getEmbeddedObject();
                return o instanceof byte[] b ? NODES.binaryNode(b) : NODES.textNode(String.valueOf(o));
            }
            default -> throw new IOException("unexpected token " + t);
        }
    }
}
