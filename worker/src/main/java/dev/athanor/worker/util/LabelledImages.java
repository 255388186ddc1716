package dev.athanor.worker.util;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.worker.engine.EngineException;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A labelled image list in JSONL: one {@code {"image": "...", "label": "..."}} per line. Relative image paths are
 * resolved against a base directory (the dataset directory if given, else the JSONL file's directory).
 */
public final class LabelledImages {
    private static final ObjectMapper JSON = Json.lenient();

    private LabelledImages() {
    }

    /**
     * One line.
     *
     * @param image the image as written in the file
     * @param file  the resolved path
     */
    public record Item(String image, Path file, String label) {
    }

    /** Reads every line; blank lines are skipped, malformed ones are errors naming the line. */
    public static List<Item> read(Path jsonl, Path baseDir) {
        if (!Files.isRegularFile(jsonl)) {
            throw new EngineException("labelled file " + jsonl + " does not exist");
        }
        Path base = baseDir != null ? baseDir : jsonl.toAbsolutePath().getParent();
        List<Item> out = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(jsonl, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode n;
                try {
                    n = JSON.readTree(line);
                } catch (IOException e) {
                    throw new EngineException(jsonl + " line " + no + " is not JSON");
                }
                if (!n.path("image").isTextual() || !n.path("label").isTextual()) {
                    throw new EngineException(jsonl + " line " + no + " needs string fields \"image\" and \"label\"");
                }
                String image = n.get("image").asText();
                Path p = Path.of(image);
                out.add(new Item(image, p.isAbsolute() ? p : base.resolve(p).normalize(), n.get("label").asText()));
            }
        } catch (IOException e) {
            throw new EngineException("cannot read " + jsonl + ": " + e.getMessage(), e);
        }
        return out;
    }
}
