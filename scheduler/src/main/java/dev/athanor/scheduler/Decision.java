package dev.athanor.scheduler;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The outcome of one cycle: what to start, what to evict, what is held, and why everything else waits.
 * Apply preemptions first (they free GPUs for later cycles), then admissions. Deterministic for a given snapshot.
 */
public record Decision(Instant at, List<Admission> admissions, List<Preemption> preemptions,
                       List<Reservation> reservations, List<PendingInfo> pending) {

    public Decision {
        admissions = List.copyOf(admissions);
        preemptions = List.copyOf(preemptions);
        reservations = List.copyOf(reservations);
        pending = List.copyOf(pending);
    }

    /** Pending info by job id (a new map on each call). */
    public Map<String, PendingInfo> pendingById() {
        Map<String, PendingInfo> m = new HashMap<>(pending.size() * 2);
        for (PendingInfo p : pending) {
            m.put(p.jobId(), p);
        }
        return m;
    }

    public Admission admission(String jobId) {
        for (Admission a : admissions) {
            if (a.jobId().equals(jobId)) {
                return a;
            }
        }
        return null;
    }
}
