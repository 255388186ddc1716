package dev.athanor.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@EnableKubernetesMockClient(crud = true)
class LeaderElectionMockTest {
    static KubernetesClient client;

    private LeaderElection elector(String id, List<String> log) {
        return new LeaderElection(client, "athanor-system", "athanor-control-plane", id, Duration.ofSeconds(2),
                Duration.ofMillis(1500), Duration.ofMillis(200))
                .addListener(new LeaderElection.Listener() {
                    @Override
                    public void onStartLeading() {
                        log.add(id + " start");
                    }

                    @Override
                    public void onStopLeading() {
                        log.add(id + " stop");
                    }
                });
    }

    @Test
    void exactlyOneLeadsAndTheOtherTakesOverWhenTheLeaderLeaves() {
        List<String> log = new CopyOnWriteArrayList<>();
        LeaderElection a = elector("a", log).start();
        await().atMost(Duration.ofSeconds(10)).until(a::isLeader);
        LeaderElection b = elector("b", log).start();
        try {
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> a.isLeader() && !b.isLeader());
            assertThat(client.leases().inNamespace("athanor-system").withName("athanor-control-plane").get()
                    .getSpec().getHolderIdentity()).isEqualTo("a");
            a.close(); // releases the lease
            assertThat(a.isLeader()).isFalse();
            await().atMost(Duration.ofSeconds(10)).until(b::isLeader);
            assertThat(log).containsSubsequence("a start", "a stop", "b start");
            assertThat(b.currentLeader()).isEqualTo("b");
        } finally {
            a.close();
            b.close();
        }
    }
}
