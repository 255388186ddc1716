package dev.athanor.k8s;

import dev.athanor.common.launch.AttemptKey;

import java.util.Set;

/**
 * What {@link KubernetesLauncher#recover} found on the API server.
 *
 * @param adopted  attempts with live pods, now observed (their exits will be reported)
 * @param reported attempts whose pods had all finished (or whose gang had failed), reported through the exit listener
 * @param cleaned  attempts the caller said are already finished: their pods and services were deleted, nothing reported
 */
public record KubernetesRecovery(Set<AttemptKey> adopted, Set<AttemptKey> reported, Set<AttemptKey> cleaned) {
    public KubernetesRecovery {
        adopted = Set.copyOf(adopted);
        reported = Set.copyOf(reported);
        cleaned = Set.copyOf(cleaned);
    }
}
