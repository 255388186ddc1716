package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.Launcher;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

/**
 * TEST ONLY fault injection ({@code athanor.test.crash-point}, off by default): halts the JVM, like a SIGKILL, at a
 * point of the launch protocol so the real-cluster suite can prove that recovery creates each pod exactly once.
 * The dispatcher always records the intent (LAUNCHING + the attempt) before it calls {@link Launcher#launch}, so
 * <ul>
 *   <li>{@code after-intent}: halts when launch is called, before anything is created;</li>
 *   <li>{@code after-create}: halts as soon as the pods were created (the launcher's created callback, since pods
 *   may be created on the launcher's own threads after launch returned), before anything else is recorded.</li>
 * </ul>
 */
final class CrashPoint implements Launcher {
    private static final Logger LOG = Logger.getLogger(CrashPoint.class);
    static final String AFTER_INTENT = "after-intent";
    static final String AFTER_CREATE = "after-create";
    /** Exit status of a halted JVM: the one a SIGKILL gives. */
    static final int STATUS = 137;

    private final Launcher delegate;
    private final String point;

    private CrashPoint(Launcher delegate, String point) {
        this.delegate = delegate;
        this.point = point;
    }

    /**
     * {@code launcher} itself when {@code point} is empty (the default); otherwise the crashing wrapper.
     *
     * @param onCreated registers the launcher's "all pods of an attempt created" callback
     */
    static Launcher wrap(Launcher launcher, String point, Consumer<Consumer<AttemptKey>> onCreated) {
        if (point == null || point.isBlank()) {
            return launcher;
        }
        if (!AFTER_INTENT.equals(point) && !AFTER_CREATE.equals(point)) {
            throw new IllegalStateException("athanor.test.crash-point must be empty, " + AFTER_INTENT + " or "
                    + AFTER_CREATE + ", not '" + point + "'");
        }
        LOG.warnf("TEST ONLY: athanor.test.crash-point=%s: this JVM halts at its first launch", point);
        if (AFTER_CREATE.equals(point)) {
            onCreated.accept(key -> halt("after the create, before anything else is recorded", key));
        }
        return new CrashPoint(launcher, point);
    }

    private static void halt(String where, AttemptKey key) {
        System.err.println("athanor.test.crash-point: halting " + where + " of " + key);
        System.err.flush();
        Runtime.getRuntime().halt(STATUS);
    }

    @Override
    public void launch(LaunchRequest request) throws LaunchException {
        if (AFTER_INTENT.equals(point)) {
            halt("after the intent, before the create", request.key());
        }
        delegate.launch(request);
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void stop(AttemptKey key, Duration grace) {
        delegate.stop(key, grace);
    }

    @Override
    public Set<AttemptKey> active() {
        return delegate.active();
    }

    @Override
    public void onExit(Consumer<AttemptExit> listener) {
        delegate.onExit(listener);
    }

    @Override
    public void close() {
        delegate.close();
    }
}
