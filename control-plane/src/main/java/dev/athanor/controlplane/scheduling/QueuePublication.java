package dev.athanor.controlplane.scheduling;

import dev.athanor.scheduler.PendingInfo;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which queue rows one publication writes. Only rows that differ from what was last written are upserted, and at
 * most {@code limit} of them, nearest the head of their queue first: when the head of a 100,000-job queue is
 * admitted every position behind it shifts, and rewriting them all in one cycle would be a 100,000-row transaction.
 * What is left over stays different from the published state, so the next publications write it. Deletes (jobs that
 * left the queue) are never deferred: a published row must not outlive its job's wait.
 *
 * @param upserts   rows to insert or update now
 * @param deletes   job ids whose rows go
 * @param published what the table holds once this publication committed
 * @param deferred  changed rows left for a later publication
 */
record QueuePublication(List<PendingInfo> upserts, Set<String> deletes, Map<String, PendingInfo> published,
                        int deferred) {

    private static final Comparator<PendingInfo> HEAD_FIRST = Comparator
            .comparingInt((PendingInfo p) -> Math.min(p.teamPosition(), p.flavorPosition()))
            .thenComparing(PendingInfo::jobId);

    static QueuePublication plan(Map<String, PendingInfo> published, List<PendingInfo> pending, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, got " + limit);
        }
        Set<String> present = new HashSet<>(pending.size() * 2);
        List<PendingInfo> changed = new ArrayList<>();
        for (PendingInfo p : pending) {
            present.add(p.jobId());
            if (!p.equals(published.get(p.jobId()))) {
                changed.add(p);
            }
        }
        Set<String> deletes = new HashSet<>(published.keySet());
        deletes.removeAll(present);
        List<PendingInfo> upserts = changed;
        if (changed.size() > limit) {
            changed.sort(HEAD_FIRST);
            upserts = List.copyOf(changed.subList(0, limit));
        }
        Map<String, PendingInfo> after = new HashMap<>(published);
        after.keySet().removeAll(deletes);
        upserts.forEach(p -> after.put(p.jobId(), p));
        return new QueuePublication(upserts, deletes, after, changed.size() - upserts.size());
    }
}
