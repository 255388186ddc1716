package dev.athanor.embedded;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/** A small properties file that remembers ports (and the like) across restarts; written atomically. */
public final class StateFile {
    private final Path file;
    private final Properties props = new Properties();

    public StateFile(Path file) {
        this.file = file;
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                props.load(r);
            } catch (IOException e) {
                // a damaged state file only costs us remembered ports
            }
        }
    }

    public int getInt(String key, int dflt) {
        try {
            return Integer.parseInt(props.getProperty(key, String.valueOf(dflt)).trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    public String get(String key) {
        return props.getProperty(key);
    }

    public StateFile put(String key, Object value) {
        props.setProperty(key, String.valueOf(value));
        return this;
    }

    public void save() throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            props.store(w, "Athanor embedded state");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
