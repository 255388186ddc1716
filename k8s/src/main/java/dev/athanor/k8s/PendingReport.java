package dev.athanor.k8s;

import dev.athanor.common.launch.AttemptKey;

/**
 * Why an attempt's pods are not running yet; not an exit. E.g. {@code Unschedulable} with the scheduler's message
 * ("0/4 nodes are available: 4 Insufficient nvidia.com/gpu. ..."), or an image pull that is still backing off.
 *
 * @param worker the worker index the report is about
 */
public record PendingReport(AttemptKey key, int worker, String reason, String message) {
}
