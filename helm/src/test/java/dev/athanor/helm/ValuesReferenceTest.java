package dev.athanor.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/helm-values.md is generated from helm/athanor/values.schema.json (types, descriptions, allowed values) and
 * values.yaml (defaults); this test fails when it is out of date. Regenerate:
 * {@code ./mvnw -pl helm -am test -Dtest=ValuesReferenceTest -Dsurefire.failIfNoSpecifiedTests=false -Dathanor.regenerate=true}
 */
class ValuesReferenceTest {
    static final Path DOC = Path.of(System.getProperty("athanor.repo", "..")).resolve("docs/helm-values.md");

    @Test
    void theValuesReferenceIsUpToDate() throws IOException {
        String generated = generate();
        if (Boolean.getBoolean("athanor.regenerate")) {
            Files.writeString(DOC, generated);
        }
        assertThat(Files.exists(DOC)).as("%s missing: regenerate it (see this class)", DOC).isTrue();
        assertThat(Files.readString(DOC)).as("%s is out of date: regenerate it with -Dathanor.regenerate=true"
                + " (see ValuesReferenceTest)", DOC).isEqualTo(generated);
    }

    @Test
    void everyDefaultValueIsDescribedByTheSchema() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(Chart.dir().resolve("values.schema.json").toFile());
        JsonNode values = new YAMLMapper().readTree(Chart.dir().resolve("values.yaml").toFile());
        assertDescribed("", schema, values);
    }

    private static void assertDescribed(String path, JsonNode schema, JsonNode values) {
        if (!values.isObject() || !schema.has("properties")) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode prop = schema.get("properties").get(e.getKey());
            assertThat(prop).as("values.yaml %s%s has no schema", path, e.getKey()).isNotNull();
            assertThat(prop.path("description").asText()).as("%s%s has no description", path, e.getKey()).isNotBlank();
            assertDescribed(path + e.getKey() + ".", prop, e.getValue());
        }
    }

    static String generate() throws IOException {
        JsonNode schema = new ObjectMapper().readTree(Chart.dir().resolve("values.schema.json").toFile());
        JsonNode values = new YAMLMapper().readTree(Chart.dir().resolve("values.yaml").toFile());
        StringBuilder out = new StringBuilder("""
                # Helm values reference

                Generated from `helm/athanor/values.schema.json` and `helm/athanor/values.yaml` by `ValuesReferenceTest`
                (module helm), which fails when this page is out of date. Install guide: [install.md](install.md).
                The schema rejects unknown keys (except under `affinity`, `extraEnv` items and `global`), wrong types and
                values outside the allowed ones, naming the value: `at '/kafka/security/protocol': value must be one of ...`.

                | value | type | default | description |
                |---|---|---|---|
                """);
        rows(out, "", schema, values);
        return out.toString();
    }

    private static void rows(StringBuilder out, String path, JsonNode schema, JsonNode def) {
        JsonNode props = schema.get("properties");
        boolean leafObject = props == null || props.isEmpty() || def != null && def.isObject() && def.isEmpty()
                && schema.path("additionalProperties").isObject();
        if (!path.isEmpty() && (leafObject || !"object".equals(schema.path("type").asText()))) {
            out.append("| `").append(path).append("` | ").append(type(schema)).append(" | ")
                    .append(def == null || def.isMissingNode() ? "" : "`" + compact(def) + "`").append(" | ")
                    .append(describe(schema)).append(" |\n");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode d = def == null ? null : def.get(e.getKey());
            rows(out, path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), d);
        }
    }

    private static String type(JsonNode s) {
        JsonNode t = s.get("type");
        String type = t == null ? "any" : t.isArray() ? String.join(" or ", iterable(t)) : t.asText();
        if ("object".equals(type) && s.path("additionalProperties").isObject()) {
            JsonNode items = s.get("additionalProperties");
            type = "map of " + (items.has("properties") ? "objects" : type(items));
        }
        if ("array".equals(type) && s.has("items")) {
            type = "list of " + (s.get("items").has("properties") ? "objects" : type(s.get("items")));
        }
        return type;
    }

    private static String describe(JsonNode s) {
        StringBuilder d = new StringBuilder(s.path("description").asText());
        if (s.has("enum")) {
            d.append(" One of: ").append(String.join(", ", iterable(s.get("enum")))).append('.');
        }
        if (s.has("pattern")) {
            d.append(" Pattern: `").append(s.get("pattern").asText()).append("`.");
        }
        if (s.has("minimum")) {
            d.append(" Minimum ").append(s.get("minimum").asText()).append('.');
        }
        JsonNode items = s.path("additionalProperties");
        if (items.has("properties")) {
            d.append(" Each: ");
            StringBuilder fields = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = items.get("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                fields.append(fields.isEmpty() ? "" : "; ").append('`').append(f.getKey()).append("` (")
                        .append(type(f.getValue())).append(") ")
                        .append(f.getValue().path("description").asText().replaceAll("\\.$", ""));
            }
            d.append(fields).append('.');
        }
        JsonNode arrayItems = s.path("items");
        if (arrayItems.has("properties")) {
            d.append(" Each: ");
            StringBuilder fields = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = arrayItems.get("properties").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                fields.append(fields.isEmpty() ? "" : "; ").append('`').append(f.getKey()).append("` (")
                        .append(type(f.getValue())).append(") ")
                        .append(f.getValue().path("description").asText().replaceAll("\\.$", ""));
            }
            d.append(fields).append('.');
        }
        return d.toString().replace("|", "\\|").replace("\n", " ");
    }

    private static String compact(JsonNode n) {
        return (n.isTextual() ? n.asText().isEmpty() ? "\"\"" : n.asText() : n.toString()).replace("|", "\\|");
    }

    private static Iterable<String> iterable(JsonNode array) {
        return () -> new Iterator<>() {
            final Iterator<JsonNode> it = array.elements();

            public boolean hasNext() {
                return it.hasNext();
            }

            public String next() {
                return it.next().asText();
            }
        };
    }
}
