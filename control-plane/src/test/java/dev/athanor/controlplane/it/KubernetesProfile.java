package dev.athanor.controlplane.it;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.List;

/** The control plane with the Kubernetes launcher against Fabric8's CRUD mock server. */
public class KubernetesProfile implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
        return List.of(new TestResourceEntry(KubernetesMockResource.class));
    }
}
