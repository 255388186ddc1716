package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.worker.engine.Reporter;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Follows LLaMA-Factory's {@code trainer_log.jsonl} and turns each complete line into PROGRESS
 * ({@code current_steps/total_steps}, ETA from {@code remaining_time}) and METRICS (every other numeric field: loss,
 * lr, eval_loss, epoch, accuracy, throughput, ...). Handles the file appearing late and being recreated (it is deleted
 * at start with overwrite_output_dir).
 */
final class TrainerLogTailer {
    private static final ObjectMapper JSON = Json.lenient();
    private static final Set<String> NOT_METRICS = Set.of("current_steps", "total_steps", "percentage");

    private final Path file;
    private final Reporter reporter;
    private long offset;
    private final StringBuilder partial = new StringBuilder();
    private long lines;
    private Map<String, Double> last = Map.of();

    TrainerLogTailer(Path file, Reporter reporter) {
        this.file = file;
        this.reporter = reporter;
    }

    /** Reads whatever complete lines were appended since the last poll. */
    synchronized void poll() {
        if (!Files.isRegularFile(file)) {
            return;
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long len = raf.length();
            if (len < offset) {
                offset = 0;
                partial.setLength(0);
            }
            if (len == offset) {
                return;
            }
            raf.seek(offset);
            byte[] buf = new byte[(int) Math.min(len - offset, 4 << 20)];
            raf.readFully(buf);
            offset += buf.length;
            partial.append(new String(buf, StandardCharsets.UTF_8));
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl).trim();
                partial.delete(0, nl + 1);
                if (!line.isEmpty()) {
                    handle(line);
                }
            }
        } catch (IOException e) {
            reporter.log("WARN cannot read " + file + ": " + e.getMessage());
        }
    }

    private void handle(String line) {
        JsonNode n;
        try {
            n = JSON.readTree(line);
        } catch (IOException e) {
            return;
        }
        lines++;
        long step = n.path("current_steps").asLong(0);
        long total = n.path("total_steps").asLong(0);
        double eta = TrainerLog.parseHms(n.path("remaining_time").asText(null));
        reporter.progress(step, total, eta, "training");
        Map<String, Double> m = new LinkedHashMap<>();
        n.fields().forEachRemaining(e -> {
            if (e.getValue().isNumber() && !NOT_METRICS.contains(e.getKey())) {
                m.put(e.getKey(), e.getValue().asDouble());
            }
        });
        if (!m.isEmpty()) {
            reporter.metrics(step, m);
            Map<String, Double> merged = new LinkedHashMap<>(last);
            merged.putAll(m);
            last = merged;
        }
    }

    synchronized long lines() {
        return lines;
    }

    /** The latest value of every metric seen. */
    synchronized Map<String, Double> latest() {
        return last;
    }
}
