package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes {@code trainer_log.jsonl} in LLaMA-Factory's format: one JSON object per logging step with
 * {@code current_steps, total_steps, loss, eval_loss, lr, epoch, percentage, elapsed_time, remaining_time}
 * (keys with no value are left out, times are "H:MM:SS"), so the same tooling reads both engines.
 */
final class TrainerLog implements AutoCloseable {
    private static final ObjectMapper JSON = Json.lenient();
    private final BufferedWriter out;

    TrainerLog(Path file) throws IOException {
        this.out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    void write(long step, long total, Double loss, Double evalLoss, Double lr, double epoch, double elapsedSeconds)
            throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("current_steps", step);
        m.put("total_steps", total);
        putIfPresent(m, "loss", loss);
        putIfPresent(m, "eval_loss", evalLoss);
        putIfPresent(m, "lr", lr);
        m.put("epoch", Math.round(epoch * 100) / 100.0);
        m.put("percentage", Math.round(step * 10000.0 / Math.max(1, total)) / 100.0);
        m.put("elapsed_time", hms(elapsedSeconds));
        m.put("remaining_time", hms(step <= 0 ? 0 : elapsedSeconds / step * (total - step)));
        out.write(JSON.writeValueAsString(m));
        out.write('\n');
        out.flush();
    }

    private static void putIfPresent(Map<String, Object> m, String k, Double v) {
        if (v != null) {
            m.put(k, Math.round(v * 1e6) / 1e6);
        }
    }

    /** Seconds as H:MM:SS (Python's str(timedelta) without fractions). */
    static String hms(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        return String.format("%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60);
    }

    /** Parses "H:MM:SS" (or "D days, H:MM:SS") to seconds; -1 if it cannot. */
    static double parseHms(String text) {
        if (text == null) {
            return -1;
        }
        try {
            long days = 0;
            String t = text.trim();
            int comma = t.indexOf(',');
            if (comma >= 0) {
                days = Long.parseLong(t.substring(0, comma).replaceAll("[^0-9-]", ""));
                t = t.substring(comma + 1).trim();
            }
            String[] p = t.split(":");
            if (p.length != 3) {
                return -1;
            }
            return days * 86400 + Long.parseLong(p[0]) * 3600 + Long.parseLong(p[1]) * 60 + Double.parseDouble(p[2]);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
