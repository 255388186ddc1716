package dev.athanor.cli.submit;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * One job submission read from a file: the untyped tree, where it starts in the file (1-based line) and the line of
 * every field path in it ({@code name}, {@code spec.strength}, {@code spec.operations[1]}, ...).
 *
 * @param index 1-based position of the document in its file
 */
public record JobDocument(String file, int index, int documentsInFile, JsonNode tree, int line, Map<String, Integer> lines) {

    /** The line of {@code path}, or of its nearest ancestor that is in the file, or of the document itself. */
    public int lineOf(String path) {
        String p = path == null ? "" : path;
        while (!p.isEmpty()) {
            Integer l = lines.get(p);
            if (l != null) {
                return l;
            }
            int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
            p = cut < 0 ? "" : p.substring(0, cut);
        }
        return line;
    }

    /** {@code file:line} for messages; the document number too when a file holds several and no line is known. */
    public String where(String path) {
        int l = lineOf(path);
        if (l > 0) {
            return file + ":" + l;
        }
        return documentsInFile > 1 ? file + " (document " + index + ")" : file;
    }
}
