package dev.athanor.controlplane.it;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Stops the in-process Kafka broker and PostgreSQL when the test session ends, before the JVM's shutdown hooks run.
 * Kafka's test kit deletes its log directories in a shutdown hook of its own; a broker still running at that moment
 * sees its log dir vanish and halts the JVM with status 1, which fails a build whose tests all passed.
 */
public class InfraSessionListener implements LauncherSessionListener {
    @Override
    public void launcherSessionClosed(LauncherSession session) {
        TestInfra.stopAll();
    }
}
