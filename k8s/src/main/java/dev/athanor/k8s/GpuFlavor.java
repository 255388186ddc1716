package dev.athanor.k8s;

import io.fabric8.kubernetes.api.model.Toleration;

import java.util.List;
import java.util.Map;

/**
 * A GPU type as Kubernetes sees it: the node labels that select its nodes and the taints its pods must tolerate.
 * The flavor name is {@link dev.athanor.common.job.Resources#gpuType()} (e.g. {@code h200-141gb}).
 *
 * @param name         the flavor name jobs ask for
 * @param nodeSelector labels every node of this flavor carries (e.g. {@code nvidia.com/gpu.product=NVIDIA-H200})
 * @param tolerations  tolerations added to pods of this flavor (e.g. a dedicated-node taint)
 */
public record GpuFlavor(String name, Map<String, String> nodeSelector, List<Toleration> tolerations) {
    public GpuFlavor {
        nodeSelector = nodeSelector == null ? Map.of() : Map.copyOf(nodeSelector);
        tolerations = tolerations == null ? List.of() : List.copyOf(tolerations);
    }

    /** Whether a node with these labels belongs to this flavor. */
    public boolean matches(Map<String, String> nodeLabels) {
        if (nodeLabels == null) {
            return nodeSelector.isEmpty();
        }
        for (Map.Entry<String, String> e : nodeSelector.entrySet()) {
            if (!e.getValue().equals(nodeLabels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
