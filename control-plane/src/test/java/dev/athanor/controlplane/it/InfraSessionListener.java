package dev.athanor.controlplane.it;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Stops the in-process Kafka broker and PostgreSQL when the test plan has run, before the JVM's shutdown hooks.
 * Kafka's test kit deletes its log directories in a shutdown hook of its own; a broker still running at that moment
 * sees its log dir vanish and halts the JVM with status 1, which fails a build whose tests all passed.
 */
public class InfraSessionListener implements TestExecutionListener {
    @Override
    public void testPlanExecutionFinished(TestPlan testPlan) {
        System.err.println("[athanor-test] test plan finished: stopping Kafka and PostgreSQL");
        TestInfra.stopAll();
        System.err.println("[athanor-test] Kafka and PostgreSQL stopped");
    }
}
