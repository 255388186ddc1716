package dev.athanor.k8s;

/**
 * A PersistentVolumeClaim (datasets, models, checkpoints) mounted into every worker pod.
 *
 * @param name      the volume name inside the pod (DNS label)
 * @param claimName the PVC
 * @param mountPath where the worker sees it
 * @param readOnly  mount read-only (datasets, base models)
 */
public record SharedVolume(String name, String claimName, String mountPath, boolean readOnly) {
}
