package dev.athanor.k8s;

import dev.athanor.common.job.Resources;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.athanor.k8s.ClusterCapacityTest.node;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, defect 10: cordoned, NotReady or momentarily zero-GPU nodes vanished from the node list, so "never fits"
 * answered "no schedulable node" and pending jobs failed for ever on a short capacity dip. Now "never" is judged from
 * every known node of the flavor with its GPU capacity, and a job that fits a node that is merely unavailable waits
 * with the reason.
 */
class CapacityDipDoesNotFailJobsTest {
    private final KubernetesLauncherConfig config = Fixtures.config().build();

    private static Resources gpus(int perWorker, int workers, String type) {
        return new Resources(perWorker, workers, type, 1, "1Gi");
    }

    static Node cordoned(String name, String type, int gpus) {
        return new NodeBuilder(node(name, type, gpus, true)).withNewSpec().withUnschedulable(true).endSpec().build();
    }

    /** A Ready node whose device plugin reports no allocatable GPUs right now (capacity still says {@code capacity}). */
    static Node zeroGpusNow(String name, String type, int capacity) {
        return new NodeBuilder(node(name, type, 0, true)).editStatus()
                .withCapacity(capacity > 0 ? Map.of("nvidia.com/gpu", new Quantity(Integer.toString(capacity))) : Map.of())
                .endStatus().build();
    }

    @Test
    void everyKnownNodeOfTheFlavorCountsForEverButNoneOfThemForNow() {
        List<Node> nodes = List.of(cordoned("a", "h200", 8), node("b", "h200", 8, false), zeroGpusNow("c", "h200", 8));
        ClusterCapacity c = ClusterCapacity.of(nodes, List.of(), config);

        assertThat(c.nodes()).isEmpty(); // nothing can be placed now
        assertThat(c.known()).extracting(ClusterCapacity.KnownNode::name).containsExactly("a", "b", "c");
        assertThat(c.fits(gpus(8, 1, "h200"))).isFalse();
        assertThat(c.neverFits(gpus(8, 1, "h200"))).isNull();
        assertThat(c.neverFits(gpus(8, 3, "h200"))).isNull();
        assertThat(c.waitsFor(gpus(8, 3, "h200")))
                .contains("a (cordoned)").contains("b (NotReady)").contains("c (no allocatable GPUs now)");

        // what no node of the flavor could ever hold still fails, with the reason
        assertThat(c.neverFits(gpus(8, 4, "h200"))).contains("at most 3");
        assertThat(c.neverFits(gpus(16, 1, "h200"))).contains("largest h200 node has 8");
        assertThat(c.neverFits(gpus(1, 1, "v100"))).contains("no node of GPU type v100 is known").contains("h200");
    }

    @Test
    void aNodeOfTheFlavorThatReportsNoGpusAtAllMayStillHoldTheJob() {
        ClusterCapacity c = ClusterCapacity.of(List.of(zeroGpusNow("d", "h200", 0)), List.of(), config);
        assertThat(c.neverFits(gpus(16, 1, "h200"))).isNull();
        assertThat(c.waitsFor(gpus(16, 1, "h200"))).contains("d (no allocatable GPUs now)");
    }

    @Test
    void aBusyButAvailableNodeIsNoReasonToReportUnavailableCapacity() {
        ClusterCapacity c = ClusterCapacity.of(List.of(node("e", "h200", 8, true)),
                List.of(ClusterCapacityTest.bound("e", 8)), config);
        assertThat(c.fits(gpus(8, 1, "h200"))).isFalse();
        assertThat(c.neverFits(gpus(8, 1, "h200"))).isNull();
        assertThat(c.waitsFor(gpus(8, 1, "h200"))).isNull();
    }

    @Test
    void nodesWithoutGpusOrAFlavorAreNotGpuNodes() {
        Node cpu = new NodeBuilder().withNewMetadata().withName("cpu-1").endMetadata().withNewStatus()
                .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
        ClusterCapacity c = ClusterCapacity.of(List.of(cpu), List.of(), config);
        assertThat(c.known()).isEmpty();
        assertThat(c.neverFits(gpus(1, 1, null))).isNull(); // no GPU node known (yet): never fail fast
    }
}
