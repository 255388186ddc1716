package dev.athanor.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One running stack per home directory: an OS file lock on {@code HOME/athanor.lock} that also records the owner's pid.
 * The OS releases the lock if the process dies, so a stale file never blocks a restart.
 */
public final class HomeLock implements AutoCloseable {
    public static final String FILE = "athanor.lock";

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private HomeLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws AlreadyRunningException when another process (or this one) holds the lock */
    public static HomeLock acquire(Path home) throws IOException {
        Files.createDirectories(home);
        Path file = home.resolve(FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            ch.close();
            throw new AlreadyRunningException(home, ownerPid(home).orElse(-1L));
        }
        long pid = ProcessHandle.current().pid();
        ch.truncate(0);
        ch.write(ByteBuffer.wrap((pid + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
        return new HomeLock(file, ch, lock);
    }

    /** The pid written by the current (or last) holder, if readable. */
    public static Optional<Long> ownerPid(Path home) {
        try {
            String s = Files.readString(home.resolve(FILE), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(s));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** True when some process holds the lock of {@code home} right now. */
    public static boolean isHeld(Path home) {
        Path file = home.resolve(FILE);
        if (!Files.exists(file)) {
            return false;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock l = ch.tryLock();
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (OverlappingFileLockException e) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                channel.truncate(0);
                lock.release();
            }
        } finally {
            channel.close();
        }
    }

    public Path file() {
        return file;
    }

    public static final class AlreadyRunningException extends IOException {
        private final long pid;

        AlreadyRunningException(Path home, long pid) {
            super("another Athanor stack is already running with home " + home
                    + (pid > 0 ? " (pid " + pid + ")" : "") + "; stop it (Ctrl-C in its terminal"
                    + (pid > 0 ? " or kill " + pid : "") + ") or pass a different --home");
            this.pid = pid;
        }

        public long pid() {
            return pid;
        }
    }
}
