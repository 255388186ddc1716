package dev.athanor.worker.label;

import java.util.List;
import java.util.Locale;

/**
 * Maps a model's free-text reply to a label: with allowed labels, the one that occurs earliest in the reply
 * (case-insensitive, as a whole word where the label starts or ends with a Latin letter or digit), else "unknown";
 * without allowed labels, the trimmed reply itself.
 */
public final class LabelPicker {
    public static final String UNKNOWN = "unknown";

    private LabelPicker() {
    }

    public static String pick(String reply, List<String> allowed) {
        if (allowed == null || allowed.isEmpty()) {
            return reply == null ? "" : reply.trim();
        }
        if (reply == null) {
            return UNKNOWN;
        }
        String text = reply.toLowerCase(Locale.ROOT);
        String best = UNKNOWN;
        int bestAt = Integer.MAX_VALUE;
        for (String label : allowed) {
            String l = label.toLowerCase(Locale.ROOT);
            if (l.isEmpty()) {
                continue;
            }
            int at = find(text, l);
            if (at >= 0 && (at < bestAt || (at == bestAt && label.length() > best.length()))) {
                best = label;
                bestAt = at;
            }
        }
        return best;
    }

    private static int find(String text, String label) {
        int from = 0;
        while (true) {
            int at = text.indexOf(label, from);
            if (at < 0) {
                return -1;
            }
            int end = at + label.length();
            boolean leftOk = !isWordChar(label.charAt(0)) || at == 0 || !isWordChar(text.charAt(at - 1));
            boolean rightOk = !isWordChar(label.charAt(label.length() - 1)) || end == text.length()
                    || !isWordChar(text.charAt(end));
            if (leftOk && rightOk) {
                return at;
            }
            from = at + 1;
        }
    }

    private static boolean isWordChar(char c) {
        return c < 128 && Character.isLetterOrDigit(c);
    }
}
