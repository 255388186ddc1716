package dev.athanor.cli.render;

import com.fasterxml.jackson.databind.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Small text formatting helpers: durations, ages, numbers, progress bars and sparklines. */
public final class Format {
    private static final char[] SPARKS = {'▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'};

    private Format() {
    }

    /** {@code 45s}, {@code 3m05s}, {@code 2h04m}, {@code 3d04h}; {@code 0s} for zero or negative. */
    public static String duration(Duration d) {
        long s = Math.max(0, d.getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format(Locale.ROOT, "%dd%02dh", s / 86400, (s % 86400) / 3600);
    }

    public static String seconds(double seconds) {
        if (Double.isNaN(seconds) || seconds < 0) {
            return "?";
        }
        return duration(Duration.ofMillis(Math.round(seconds * 1000)));
    }

    /** Coarse age for tables: {@code 12s}, {@code 5m}, {@code 3h}, {@code 2d}. */
    public static String age(Instant then, Instant now) {
        if (then == null) {
            return "-";
        }
        long s = Math.max(0, Duration.between(then, now).getSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return s / 60 + "m";
        }
        if (s < 86400) {
            return s / 3600 + "h";
        }
        return s / 86400 + "d";
    }

    public static Instant instant(JsonNode n) {
        if (n == null || n.isNull() || !n.isTextual()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            try {
                return java.time.OffsetDateTime.parse(n.asText()).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    /** Up to 4 significant digits, no trailing zeros, scientific for very small or large values. */
    public static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e6) {
            String s = new java.math.BigDecimal(v).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
            return s;
        }
        return String.format(Locale.ROOT, "%.3e", v).replaceAll("\\.?0+e", "e");
    }

    /** {@code [██████░░░░░░░░░░░░░░]} for {@code fraction} in 0..1, with a partial block for the remainder. */
    public static String bar(double fraction, int width) {
        double f = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
        double cells = f * width;
        int full = (int) Math.floor(cells);
        StringBuilder sb = new StringBuilder("[");
        sb.append("█".repeat(full));
        if (full < width) {
            char[] partial = {' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'};
            int eighth = (int) Math.floor((cells - full) * 8);
            sb.append(eighth == 0 ? '░' : partial[eighth]);
            sb.append("░".repeat(width - full - 1));
        }
        return sb.append(']').toString();
    }

    /** {@code 42%} (whole percent, floored so that 99.9% never shows as 100%). */
    public static String percent(double fraction) {
        double f = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
        return (int) Math.floor(f * 100 + 1e-9) + "%";
    }

    /** A unicode sparkline of {@code values}, at most {@code width} characters (averaging buckets when longer). */
    public static String sparkline(double[] values, int width) {
        if (values.length == 0) {
            return "";
        }
        double[] v = values;
        if (values.length > width) {
            v = new double[width];
            for (int i = 0; i < width; i++) {
                int from = (int) ((long) i * values.length / width);
                int to = (int) ((long) (i + 1) * values.length / width);
                double sum = 0;
                for (int j = from; j < to; j++) {
                    sum += values[j];
                }
                v[i] = sum / Math.max(1, to - from);
            }
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        StringBuilder sb = new StringBuilder();
        for (double x : v) {
            int idx = max == min ? SPARKS.length / 2 - 1 : (int) Math.round((x - min) / (max - min) * (SPARKS.length - 1));
            sb.append(SPARKS[idx]);
        }
        return sb.toString();
    }

    /** {@code loss=0.213 lr=1e-04} from a JSON object of numbers (sorted by name). */
    public static String metrics(JsonNode values) {
        if (values == null || !values.isObject() || values.isEmpty()) {
            return "";
        }
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = values.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            sorted.put(e.getKey(), e.getValue().isNumber() ? number(e.getValue().asDouble()) : e.getValue().asText());
        }
        StringBuilder sb = new StringBuilder();
        sorted.forEach((k, val) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(val));
        return sb.toString();
    }

    /** The first 8 characters of a job id, as tables show it. */
    public static String shortId(String id) {
        return id == null ? "-" : id.length() <= 8 ? id : id.substring(0, 8);
    }

    public static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }

    public static String orDash(String s) {
        return s == null || s.isEmpty() ? "-" : s;
    }
}
