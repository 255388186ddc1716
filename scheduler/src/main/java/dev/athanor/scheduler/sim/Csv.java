package dev.athanor.scheduler.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A small reader for the trace's CSV files (plain comma-separated, no quoting, a header line) whose every error names
 * the file, the line and the column, e.g. {@code pods.csv:17: column num_gpu (4): not a number: "x"}.
 */
final class Csv implements AutoCloseable {

    /** What a row handler needs: typed access to the current row by column name. */
    final class Row {
        private String[] cells;

        String text(String column) {
            return cells[index(column)].trim();
        }

        long number(String column, long dflt) {
            String s = text(column);
            if (s.isEmpty()) {
                return dflt;
            }
            try {
                double d = Double.parseDouble(s);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new NumberFormatException(s);
                }
                return (long) d;
            } catch (NumberFormatException e) {
                throw error(column, "not a number: \"" + s + "\"");
            }
        }

        IllegalArgumentException error(String column, String what) {
            return new IllegalArgumentException(String.format("%s:%d: column %s (%d): %s", file, lineNo, column,
                    index(column) + 1, what));
        }
    }

    private final Path file;
    private final BufferedReader reader;
    private final Map<String, Integer> columns = new HashMap<>();
    private final Row row = new Row();
    private int lineNo = 1;

    private Csv(Path file, BufferedReader reader, String header) {
        this.file = file;
        this.reader = reader;
        String[] h = header.split(",", -1);
        for (int i = 0; i < h.length; i++) {
            columns.put(h[i].trim(), i);
        }
    }

    /** Opens {@code file} and checks that its header has every column of {@code required}. */
    static Csv open(Path file, List<String> required) throws IOException {
        BufferedReader r;
        try {
            r = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        String header = r.readLine();
        if (header == null || header.isBlank()) {
            r.close();
            throw new IllegalArgumentException(file + ":1: empty file (expected a header with " + required + ")");
        }
        Csv csv = new Csv(file, r, header);
        for (String c : required) {
            if (!csv.columns.containsKey(c)) {
                csv.close();
                throw new IllegalArgumentException(file + ":1: missing column " + c + " (header: " + header + ")");
            }
        }
        return csv;
    }

    boolean has(String column) {
        return columns.containsKey(column);
    }

    /** Moves to the next non-blank line; false at the end of the file. */
    boolean next() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] cells = line.split(",", -1);
            if (cells.length < columns.size()) {
                throw new IllegalArgumentException(String.format("%s:%d: %d columns, the header has %d", file, lineNo,
                        cells.length, columns.size()));
            }
            row.cells = cells;
            return true;
        }
        return false;
    }

    Row row() {
        return row;
    }

    private int index(String column) {
        Integer i = columns.get(column);
        if (i == null) {
            throw new IllegalArgumentException(file + ": no column " + column);
        }
        return i;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
