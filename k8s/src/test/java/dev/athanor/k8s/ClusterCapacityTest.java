package dev.athanor.k8s;

import dev.athanor.common.job.Resources;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterCapacityTest {
    private final KubernetesLauncherConfig config = Fixtures.config().build();
    private final WorkerPodModel model = new WorkerPodModel(config);

    static Node node(String name, String type, int gpus, boolean ready) {
        return new NodeBuilder().withNewMetadata().withName(name).withLabels(Map.of("athanor.dev/gpu-type", type))
                .endMetadata().withNewStatus().addToAllocatable("nvidia.com/gpu", new Quantity(Integer.toString(gpus)))
                .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
                .endStatus().build();
    }

    static Pod bound(String node, int gpus) {
        return new PodBuilder().withNewMetadata().withName("other-" + node + gpus).withNamespace("ml").endMetadata()
                .withNewSpec().withNodeName(node).addNewContainer().withName("c").withNewResources()
                .addToRequests("nvidia.com/gpu", new Quantity(Integer.toString(gpus))).endResources().endContainer()
                .endSpec().withNewStatus().withPhase("Running").endStatus().build();
    }

    private static Resources gpus(int perWorker, int workers, String type) {
        return new Resources(perWorker, workers, type, 1, "1Gi");
    }

    @Test
    void eightGpuWorkerNeedsOneNodeWithEightFreeNotTwoTimesFour() {
        List<Node> nodes = List.of(node("a", "h200", 8, true), node("b", "h200", 8, true));
        ClusterCapacity c = ClusterCapacity.of(nodes, List.of(bound("a", 4), bound("b", 4)), config);
        assertThat(c.byFlavor().get("h200").free()).isEqualTo(8);
        assertThat(c.fits(gpus(8, 1, "h200"))).isFalse();
        assertThat(c.fits(gpus(4, 2, "h200"))).isTrue();
        assertThat(c.fits(gpus(4, 3, "h200"))).isFalse();
        assertThat(c.neverFits(gpus(8, 1, "h200"))).isNull();
        assertThat(c.describe()).isEqualTo("h200: 8/16 GPUs free (largest 4 on one node)");
    }

    @Test
    void gpuTypeSelectorAndNotReadyNodesAreHonoured() {
        List<Node> nodes = List.of(node("a", "h200", 8, true), node("b", "a100", 8, true), node("c", "a100", 8, false));
        ClusterCapacity c = ClusterCapacity.of(nodes, List.of(bound("a", 8)), config);
        assertThat(c.fits(gpus(8, 1, "h200"))).isFalse();
        assertThat(c.fits(gpus(8, 1, "a100"))).isTrue();
        assertThat(c.fits(gpus(8, 1, null))).isTrue();
        // the NotReady a100 node still counts for "ever": two workers wait for it instead of failing
        assertThat(c.fits(gpus(8, 2, "a100"))).isFalse();
        assertThat(c.neverFits(gpus(8, 2, "a100"))).isNull();
        assertThat(c.neverFits(gpus(8, 3, "a100"))).contains("at most 2");
        assertThat(c.neverFits(gpus(16, 1, "h200"))).contains("largest h200 node has 8");
        assertThat(c.neverFits(gpus(1, 1, "v100"))).contains("no node of GPU type v100 is known");
    }

    @Test
    void unboundAthanorPodsReserveCapacityAndFinishedPodsFreeIt() {
        List<Node> nodes = List.of(node("a", "h200", 8, true));
        List<Pod> pods = new ArrayList<>(model.pods(Fixtures.request(Fixtures.key(1), 1, 6, "h200", List.of(),
                Duration.ZERO), null));
        Pod finished = new PodBuilder(bound("a", 8)).editStatus().withPhase("Succeeded").endStatus().build();
        pods.add(finished);
        ClusterCapacity c = ClusterCapacity.of(nodes, pods, config);
        assertThat(c.nodes()).singleElement().satisfies(n -> assertThat(n.free()).isEqualTo(2));
        assertThat(c.fits(gpus(4, 1, "h200"))).isFalse();
        assertThat(c.fits(gpus(2, 1, "h200"))).isTrue();
        assertThat(c.fits(gpus(0, 10, null))).isTrue();
    }
}
