package dev.athanor.launcher.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** Small OS helpers: PATH lookup, log tails, atomic writes, process identity and process-tree cleanup. */
final class ProcessTools {

    /** Tolerance when comparing process start instants (the kernel's boot time can drift by a second). */
    static final Duration START_TOLERANCE = Duration.ofSeconds(2);

    private static final Path PROC = Path.of("/proc");

    private ProcessTools() {
    }

    static boolean setsidAvailable() {
        return findExecutable("setsid").isPresent() && Files.isDirectory(PROC);
    }

    /** A path (when it contains a separator) or a name searched on PATH. */
    static Optional<Path> findExecutable(String name) {
        if (name.contains("/") || name.contains("\\")) {
            Path p = Path.of(name);
            return Files.isRegularFile(p) && Files.isExecutable(p) ? Optional.of(p.toAbsolutePath()) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** The last {@code n} lines of a text file (reading at most the last 256 KiB); empty when there is no file. */
    static List<String> tail(Path file, int n) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long len = f.length();
            int chunk = (int) Math.min(len, 256 * 1024);
            byte[] buf = new byte[chunk];
            f.seek(len - chunk);
            f.readFully(buf);
            String text = new String(buf, StandardCharsets.UTF_8);
            String[] lines = text.split("\\R", -1);
            Deque<String> out = new ArrayDeque<>(n);
            int end = lines.length;
            if (end > 0 && lines[end - 1].isEmpty()) {
                end--; // trailing newline
            }
            int start = chunk < len ? 1 : 0; // the first line of a partial chunk is cut
            for (int i = Math.max(start, end - n); i < end; i++) {
                out.add(lines[i]);
            }
            return new ArrayList<>(out);
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Creates {@code dir} (and missing parents) and makes it private to this user: mode 0700 (issue 8, defect 4). */
    static Path createPrivateDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
        restrict(dir, "rwx------");
        return dir;
    }

    /** Creates {@code file} empty if absent, and makes it private to this user: mode 0600. */
    static Path privateFile(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.createFile(file);
        }
        restrict(file, "rw-------");
        return file;
    }

    private static void restrict(Path p, String mode) throws IOException {
        if (Files.getFileStore(p).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString(mode));
        }
    }

    static void writeAtomically(Path file, String content) {
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(tmp);
            privateFile(tmp);
            Files.writeString(tmp, content, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A TCP port that was free a moment ago, for MASTER_PORT. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            return 29500; // torchrun's default
        }
    }

    /** The live process with this pid and (when known) this start instant: a recycled pid does not match. */
    static Optional<ProcessHandle> find(long pid, Instant startedAt) {
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isEmpty() || !h.get().isAlive()) {
            return Optional.empty();
        }
        if (startedAt == null) {
            return h;
        }
        Optional<Instant> actual = h.get().info().startInstant();
        if (actual.isEmpty()) {
            return h;
        }
        Duration diff = Duration.between(startedAt, actual.get()).abs();
        return diff.compareTo(START_TOLERANCE) <= 0 ? h : Optional.empty();
    }

    /** Sends SIGKILL to a process and every process below it (descendants first, taken before the root dies). */
    static void killTree(ProcessHandle root) {
        List<ProcessHandle> below = root.descendants().toList();
        root.destroyForcibly();
        below.forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Kills (SIGKILL) what is left of a worker's session: processes whose session id is {@code sessionId} and that
     * started no earlier than {@code notBefore}. Workers started with {@code setsid} lead their own session, so their
     * orphaned grandchildren (a Python engine still holding a GPU) keep that session id after the worker died.
     * Linux only; a no-op elsewhere. Returns how many processes were signalled.
     */
    static int killSession(long sessionId, Instant notBefore) {
        if (!Files.isDirectory(PROC)) {
            return 0;
        }
        long self = ProcessHandle.current().pid();
        OptionalLong ownSession = sessionOf(PROC.resolve(Long.toString(self)));
        if (sessionId <= 1 || (ownSession.isPresent() && ownSession.getAsLong() == sessionId)) {
            return 0; // never sweep the control plane's own session
        }
        int killed = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(PROC)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid == self) {
                    continue;
                }
                OptionalLong sid = sessionOf(p);
                if (sid.isEmpty() || sid.getAsLong() != sessionId) {
                    continue;
                }
                Optional<ProcessHandle> h = ProcessHandle.of(pid);
                if (h.isEmpty()) {
                    continue;
                }
                Optional<Instant> started = h.get().info().startInstant();
                if (notBefore != null && started.isPresent()
                        && started.get().isBefore(notBefore.minus(START_TOLERANCE))) {
                    continue; // an older process that happens to share the number
                }
                if (h.get().destroyForcibly()) {
                    killed++;
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return killed;
        }
        return killed;
    }

    private static OptionalLong sessionOf(Path procDir) {
        try {
            String stat = Files.readString(procDir.resolve("stat"), StandardCharsets.UTF_8);
            int close = stat.lastIndexOf(')');
            if (close < 0) {
                return OptionalLong.empty();
            }
            // after "pid (comm) ": state ppid pgrp session ...
            String[] f = stat.substring(close + 2).split(" ");
            return f.length > 3 ? OptionalLong.of(Long.parseLong(f[3])) : OptionalLong.empty();
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }
}
