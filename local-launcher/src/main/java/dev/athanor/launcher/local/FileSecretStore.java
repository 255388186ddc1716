package dev.athanor.launcher.local;

import dev.athanor.common.secret.SecretNames;
import dev.athanor.common.secret.SecretStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Team secrets as files, for the embedded and single-server modes: {@code <root>/<team>/<name>} holds the value
 * (mode 0600), {@code <root>/<team>/<name>.created} its creation time; the root and each team's directory are 0700.
 * The value file's modification time is the last update. Names are DNS labels (no '.', '/' or '..'), so a team and
 * name can only ever resolve inside that team's directory.
 */
public final class FileSecretStore implements SecretStore {
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final String CREATED = ".created";

    private final Path root;

    public FileSecretStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /** Regular files directly under the root: secrets of the layout before secrets belonged to teams (never read). */
    public List<Path> legacyFiles() {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isRegularFile)) {
            ds.forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
        return out;
    }

    @Override
    public synchronized List<Entry> list(String team) {
        Path dir = teamDir(team);
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isRegularFile)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (SecretNames.valid(n)) {
                    find(team, n).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the secrets of team " + team, e);
        }
        out.sort(Comparator.comparing(Entry::name));
        return out;
    }

    @Override
    public synchronized Optional<Entry> find(String team, String name) {
        Path f = file(team, name);
        try {
            Instant updated = Files.getLastModifiedTime(f).toInstant();
            Instant created = updated;
            Path c = f.resolveSibling(name + CREATED);
            if (Files.isRegularFile(c)) {
                created = Instant.parse(Files.readString(c, StandardCharsets.UTF_8).strip());
            }
            return Optional.of(new Entry(name, created, updated));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read secret " + name + " of team " + team, e);
        }
    }

    @Override
    public synchronized Optional<String> value(String team, String name) {
        if (!SecretNames.valid(team) || !SecretNames.valid(name)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Files.readString(file(team, name), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read secret " + name + " of team " + team, e);
        }
    }

    @Override
    public synchronized Written put(String team, String name, String value) {
        Path f = file(team, name);
        Instant now = Instant.now();
        try {
            Path dir = ensureDir(ensureDir(root).resolve(team));
            boolean created = !Files.exists(f);
            if (created) {
                write(dir, f.resolveSibling(name + CREATED), now.toString());
            }
            write(dir, f, value);
            Files.setLastModifiedTime(f, FileTime.from(now));
            return new Written(find(team, name).orElseThrow(), created);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write secret " + name + " of team " + team, e);
        }
    }

    @Override
    public synchronized boolean delete(String team, String name) {
        Path f = file(team, name);
        try {
            boolean existed = Files.deleteIfExists(f);
            Files.deleteIfExists(f.resolveSibling(name + CREATED));
            return existed;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete secret " + name + " of team " + team, e);
        }
    }

    private Path teamDir(String team) {
        if (!SecretNames.valid(team)) {
            throw new IllegalArgumentException("not a team name: " + team);
        }
        return root.resolve(team);
    }

    private Path file(String team, String name) {
        if (!SecretNames.valid(name)) {
            throw new IllegalArgumentException("not a secret name: " + name);
        }
        return teamDir(team).resolve(name);
    }

    private static Path ensureDir(Path dir) throws IOException {
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR));
        } catch (FileAlreadyExistsException e) {
            // kept; its mode is set below
        } catch (NoSuchFileException e) {
            Files.createDirectories(dir.getParent());
            return ensureDir(dir);
        }
        Files.setPosixFilePermissions(dir, DIR);
        return dir;
    }

    /** Writes a 0600 temporary file in {@code dir} and moves it over {@code target}, so readers never see a part. */
    private static void write(Path dir, Path target, String content) throws IOException {
        Path tmp = Files.createTempFile(dir, ".tmp-", "", PosixFilePermissions.asFileAttribute(FILE));
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public String toString() {
        return "FileSecretStore[" + root + "]";
    }
}
