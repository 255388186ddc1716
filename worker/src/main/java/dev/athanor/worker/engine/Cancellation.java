package dev.athanor.worker.engine;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The cancellation flag engines check between units of work. Cancelling also stops every child process registered with
 * {@link #register(Process)} (its descendants first, then the process: SIGTERM, and SIGKILL after a grace period).
 */
public final class Cancellation {
    private static final long KILL_GRACE_MS = 5_000;

    private final Set<Process> children = ConcurrentHashMap.newKeySet();
    private volatile String reason;

    /** Sets the flag (first reason wins) and stops the registered child processes. */
    public void cancel(String why) {
        synchronized (this) {
            if (reason == null) {
                reason = why == null ? "cancelled" : why;
            }
        }
        for (Process p : children) {
            Thread t = new Thread(() -> stop(p), "athanor-stop-child-" + p.pid());
            t.setDaemon(true);
            t.start();
        }
    }

    public boolean isCancelled() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** @throws CancelledException if the flag is set */
    public void throwIfCancelled() {
        String r = reason;
        if (r != null) {
            throw new CancelledException(r);
        }
    }

    /** Tracks a child process until the returned handle is closed; a process started after cancel is stopped at once. */
    public Registration register(Process process) {
        children.add(process);
        if (isCancelled()) {
            stop(process);
        }
        return () -> children.remove(process);
    }

    /** Stops a process tree: SIGTERM to descendants and the process, SIGKILL to what is left after a grace period. */
    public static void stop(Process p) {
        p.descendants().forEach(ProcessHandle::destroy);
        p.destroy();
        try {
            if (!p.waitFor(KILL_GRACE_MS, TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /** Un-registers a child process. */
    @FunctionalInterface
    public interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
