package dev.athanor.launcher.local;

import dev.athanor.common.launch.AttemptKey;

import java.util.Set;

/**
 * What {@link LocalProcessLauncher#recover} found in the work root.
 *
 * @param adopted  attempts with live workers, now tracked (their exits will be reported)
 * @param reported attempts whose workers are all gone, reported through the exit listener (Lost, or the exit recorded
 *                 in {@code exit.json} / {@code exit-code} files)
 * @param skipped  attempts whose workers are gone and which the caller said are already finished: not reported
 */
public record RecoveryReport(Set<AttemptKey> adopted, Set<AttemptKey> reported, Set<AttemptKey> skipped) {
    public RecoveryReport {
        adopted = Set.copyOf(adopted);
        reported = Set.copyOf(reported);
        skipped = Set.copyOf(skipped);
    }
}
