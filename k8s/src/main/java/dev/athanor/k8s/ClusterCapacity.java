package dev.athanor.k8s;

import dev.athanor.common.job.Resources;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Free GPUs per node and per flavor at one instant, computed (purely) from Nodes' allocatable GPUs minus the GPU
 * requests of non-terminated pods bound to them; Athanor's own pods that are not bound yet are counted as placed
 * first-fit, so capacity the scheduler is about to hand out is not offered twice.
 * <p>
 * Whether a job could <em>ever</em> fit is judged from every known GPU node, available or not: a cordoned, NotReady
 * or momentarily zero-GPU node still counts with its GPU capacity, so a short capacity dip makes jobs wait
 * ({@link #waitsFor}) instead of failing them ({@link #neverFits}).
 */
public final class ClusterCapacity {

    /** One schedulable GPU node. */
    public record NodeGpus(String name, String flavor, Map<String, String> labels, int allocatable, int free) {
    }

    /**
     * A GPU node as far as it is known, schedulable or not.
     *
     * @param gpus        its GPUs when healthy (the larger of capacity and allocatable); 0 when it reports none now
     * @param unavailable why no pod can be placed on it now ({@code cordoned}, {@code NotReady}, …), null if none
     */
    public record KnownNode(String name, String flavor, Map<String, String> labels, int gpus, String unavailable) {
    }

    /** GPUs of one flavor. */
    public record FlavorGpus(String flavor, int nodes, int allocatable, int free, int largestFreeOnNode,
                             int largestNode) {
    }

    private final List<NodeGpus> nodes;
    private final List<KnownNode> known;
    private final KubernetesLauncherConfig config;

    private ClusterCapacity(List<NodeGpus> nodes, List<KnownNode> known, KubernetesLauncherConfig config) {
        this.nodes = List.copyOf(nodes);
        this.known = List.copyOf(known);
        this.config = config;
    }

    public static ClusterCapacity of(List<Node> nodeList, List<Pod> pods, KubernetesLauncherConfig config) {
        String gpu = config.gpuResourceName();
        Map<String, int[]> free = new LinkedHashMap<>();
        Map<String, Node> byName = new LinkedHashMap<>();
        List<KnownNode> known = new ArrayList<>();
        for (Node n : nodeList) {
            int alloc = quantity(n.getStatus() == null ? null : n.getStatus().getAllocatable(), gpu);
            int size = Math.max(alloc, quantity(n.getStatus() == null ? null : n.getStatus().getCapacity(), gpu));
            Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
            String flavor = flavorOf(labels, config);
            String unavailable = unavailable(n, alloc);
            if (size > 0 || !"unlabelled".equals(flavor)) {
                known.add(new KnownNode(n.getMetadata().getName(), flavor, labels, size, unavailable));
            }
            if (unavailable != null) {
                continue;
            }
            byName.put(n.getMetadata().getName(), n);
            free.put(n.getMetadata().getName(), new int[]{alloc, alloc});
        }
        List<Pod> unbound = new ArrayList<>();
        for (Pod p : pods) {
            if (PodStates.terminal(p)) {
                continue;
            }
            int req = gpuRequest(p, gpu);
            if (req <= 0) {
                continue;
            }
            String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
            if (node != null && !node.isEmpty()) {
                int[] f = free.get(node);
                if (f != null) {
                    f[1] -= req;
                }
            } else if (Labels.attemptOf(p) != null) {
                unbound.add(p);
            }
        }
        unbound.sort(Comparator.comparingInt((Pod p) -> gpuRequest(p, gpu)).reversed());
        for (Pod p : unbound) {
            int req = gpuRequest(p, gpu);
            Map<String, String> sel = p.getSpec().getNodeSelector();
            for (Map.Entry<String, int[]> e : free.entrySet()) {
                Node n = byName.get(e.getKey());
                if (e.getValue()[1] >= req && new GpuFlavor("", sel, null).matches(n.getMetadata().getLabels())) {
                    e.getValue()[1] -= req;
                    break;
                }
            }
        }
        List<NodeGpus> out = new ArrayList<>();
        for (Map.Entry<String, int[]> e : free.entrySet()) {
            Node n = byName.get(e.getKey());
            Map<String, String> labels = n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
            out.add(new NodeGpus(e.getKey(), flavorOf(labels, config), labels, e.getValue()[0],
                    Math.max(0, e.getValue()[1])));
        }
        return new ClusterCapacity(out, known, config);
    }

    static String flavorOf(Map<String, String> labels, KubernetesLauncherConfig config) {
        for (GpuFlavor f : config.flavors().values()) {
            if (!f.nodeSelector().isEmpty() && f.matches(labels)) {
                return f.name();
            }
        }
        String v = labels.get(config.flavorLabel());
        return v == null ? "unlabelled" : v;
    }

    /** Why no pod can be placed on the node now, or null when it is schedulable with GPUs. */
    private static String unavailable(Node n, int allocatableGpus) {
        if (n.getSpec() != null && Boolean.TRUE.equals(n.getSpec().getUnschedulable())) {
            return "cordoned";
        }
        boolean ready = false;
        if (n.getStatus() != null && n.getStatus().getConditions() != null) {
            for (NodeCondition c : n.getStatus().getConditions()) {
                if ("Ready".equals(c.getType())) {
                    ready = "True".equals(c.getStatus());
                    break;
                }
            }
        }
        if (!ready) {
            return "NotReady";
        }
        return allocatableGpus <= 0 ? "no allocatable GPUs now" : null;
    }

    static int gpuRequest(Pod p, String resource) {
        if (p.getSpec() == null || p.getSpec().getContainers() == null) {
            return 0;
        }
        int sum = 0;
        for (Container c : p.getSpec().getContainers()) {
            if (c.getResources() == null) {
                continue;
            }
            int r = quantity(c.getResources().getRequests(), resource);
            sum += r > 0 ? r : quantity(c.getResources().getLimits(), resource);
        }
        int init = 0;
        if (p.getSpec().getInitContainers() != null) {
            for (Container c : p.getSpec().getInitContainers()) {
                if (c.getResources() != null) {
                    init = Math.max(init, quantity(c.getResources().getRequests(), resource));
                }
            }
        }
        return Math.max(sum, init);
    }

    private static int quantity(Map<String, Quantity> m, String key) {
        if (m == null || m.get(key) == null) {
            return 0;
        }
        BigDecimal v = m.get(key).getNumericalAmount();
        return v.intValue();
    }

    public List<NodeGpus> nodes() {
        return nodes;
    }

    /** GPUs by flavor, sorted by flavor name. */
    public Map<String, FlavorGpus> byFlavor() {
        Map<String, FlavorGpus> m = new TreeMap<>();
        for (NodeGpus n : nodes) {
            FlavorGpus f = m.get(n.flavor());
            if (f == null) {
                m.put(n.flavor(), new FlavorGpus(n.flavor(), 1, n.allocatable(), n.free(), n.free(), n.allocatable()));
            } else {
                m.put(n.flavor(), new FlavorGpus(n.flavor(), f.nodes() + 1, f.allocatable() + n.allocatable(),
                        f.free() + n.free(), Math.max(f.largestFreeOnNode(), n.free()),
                        Math.max(f.largestNode(), n.allocatable())));
            }
        }
        return m;
    }

    private List<NodeGpus> eligible(Resources r) {
        GpuFlavor f = config.flavor(r.gpuType());
        return nodes.stream().filter(n -> f == null || f.matches(n.labels())).toList();
    }

    /**
     * Whether all workers of {@code r} can be placed now, each on one node with {@code gpusPerWorker} free GPUs of the
     * right type (an 8-GPU worker needs 8 free GPUs on one node, not 2 × 4). CPU-only jobs always fit here: the
     * scheduler decides.
     */
    public boolean fits(Resources r) {
        if (r.gpusPerWorker() <= 0) {
            return true;
        }
        int slots = 0;
        for (NodeGpus n : eligible(r)) {
            slots += n.free() / r.gpusPerWorker();
            if (slots >= r.workers()) {
                return true;
            }
        }
        return false;
    }

    public List<KnownNode> known() {
        return known;
    }

    private List<KnownNode> knownEligible(Resources r) {
        GpuFlavor f = config.flavor(r.gpuType());
        return known.stream().filter(n -> f == null || f.matches(n.labels())).toList();
    }

    /**
     * Null if {@code r} could ever fit the cluster's GPU nodes; otherwise why never. Judged from every known node of
     * the flavor, available now or not (cordoned, NotReady, zero GPUs at the moment), with its GPU capacity.
     */
    public String neverFits(Resources r) {
        if (r.gpusPerWorker() <= 0 || known.isEmpty()) {
            return null; // no GPU node known (yet): do not fail fast on an empty or still-syncing view
        }
        List<KnownNode> el = knownEligible(r);
        String type = r.gpuType() == null ? "GPU" : r.gpuType();
        if (el.isEmpty()) {
            return "no node of GPU type " + r.gpuType() + " is known (types: "
                    + new java.util.TreeSet<>(known.stream().map(KnownNode::flavor).toList()) + ")";
        }
        if (el.stream().anyMatch(n -> n.gpus() <= 0)) {
            return null; // a node of the flavor reports no GPUs now: its size is unknown, so it may hold the job
        }
        int slots = 0;
        int largest = 0;
        for (KnownNode n : el) {
            slots += n.gpus() / r.gpusPerWorker();
            largest = Math.max(largest, n.gpus());
        }
        if (largest < r.gpusPerWorker()) {
            return "needs " + r.gpusPerWorker() + " GPU(s) per worker on one node; the largest " + type
                    + " node has " + largest;
        }
        if (slots < r.workers()) {
            return "needs " + r.workers() + " worker(s) × " + r.gpusPerWorker() + " GPU(s); the " + type
                    + " nodes can hold at most " + slots + " such worker(s)";
        }
        return null;
    }

    /**
     * Why {@code r}, which could fit some day, cannot be placed now because nodes that could hold its workers are
     * unavailable (e.g. {@code the h200 nodes that could hold it are unavailable now: gpu-1 (cordoned)}); null when no
     * such node is unavailable (it then waits only for GPUs in use to be freed, or never fits).
     */
    public String waitsFor(Resources r) {
        if (r.gpusPerWorker() <= 0) {
            return null;
        }
        List<String> down = knownEligible(r).stream()
                .filter(n -> n.unavailable() != null && (n.gpus() <= 0 || n.gpus() >= r.gpusPerWorker()))
                .map(n -> n.name() + " (" + n.unavailable() + ")").toList();
        if (down.isEmpty()) {
            return null;
        }
        String type = r.gpuType() == null ? "GPU" : r.gpuType();
        return "the " + type + " node(s) that could hold it are unavailable now: " + String.join(", ", down)
                + "; the job waits until they are back";
    }

    public boolean anyFree() {
        return nodes.stream().anyMatch(n -> n.free() > 0);
    }

    /** E.g. {@code h200: 5/16 GPUs free (largest 4 on one node); a100: 0/8 GPUs free}. */
    public String describe() {
        if (nodes.isEmpty()) {
            return "no schedulable GPU nodes";
        }
        StringBuilder sb = new StringBuilder();
        for (FlavorGpus f : byFlavor().values()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(f.flavor()).append(": ").append(f.free()).append('/').append(f.allocatable())
                    .append(" GPUs free (largest ").append(f.largestFreeOnNode()).append(" on one node)");
        }
        return sb.toString();
    }
}
