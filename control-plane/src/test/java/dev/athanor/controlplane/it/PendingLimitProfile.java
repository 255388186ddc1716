package dev.athanor.controlplane.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** No dispatch (jobs stay PENDING) and a per-team pending limit small enough to reach in a test. */
public class PendingLimitProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("athanor.dispatch.enabled", "false", "athanor.api.max-pending-per-team", "3");
    }
}
