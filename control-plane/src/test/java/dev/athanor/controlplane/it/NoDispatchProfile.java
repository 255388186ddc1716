package dev.athanor.controlplane.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/** The control plane without its dispatch loop: tests drive job states themselves. */
public class NoDispatchProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("athanor.dispatch.enabled", "false");
    }
}
