package dev.athanor.controlplane.scheduling;

import dev.athanor.scheduler.PendingInfo;
import dev.athanor.scheduler.PendingReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Hardening defect 16: a shift of a deep queue is published in bounded slices, head first; nothing is dropped. */
class QueuePublicationTest {

    private static List<PendingInfo> queue(int from, int n) {
        List<PendingInfo> q = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            int position = i - from + 1;
            q.add(new PendingInfo("job-" + i, "team", "a100", position, position, PendingReason.QUOTA, "waits", null));
        }
        return q;
    }

    @Test
    void aShiftOfTheWholeQueueIsWrittenInSlicesHeadFirstUntilTheTableMatches() {
        Map<String, PendingInfo> published = new HashMap<>();
        QueuePublication first = QueuePublication.plan(published, queue(0, 10_000), 10_000);
        assertThat(first.upserts()).hasSize(10_000);
        published = first.published();

        // The head is admitted: every one of the 9,999 others moves up by one.
        List<PendingInfo> shifted = queue(1, 9_999);
        int rounds = 0;
        int written = 0;
        QueuePublication p;
        do {
            p = QueuePublication.plan(published, shifted, 4_000);
            assertThat(p.upserts().size()).isLessThanOrEqualTo(4_000);
            if (rounds == 0) {
                assertThat(p.deletes()).containsExactly("job-0");
                assertThat(p.upserts()).extracting(PendingInfo::teamPosition).startsWith(1, 2, 3);
                assertThat(p.upserts()).allMatch(r -> r.teamPosition() <= 4_000);
            } else {
                assertThat(p.deletes()).isEmpty();
            }
            written += p.upserts().size();
            published = p.published();
            rounds++;
        } while (p.deferred() > 0);
        assertThat(rounds).isEqualTo(3);
        assertThat(written).isEqualTo(9_999);
        Map<String, PendingInfo> expected = new HashMap<>();
        shifted.forEach(r -> expected.put(r.jobId(), r));
        assertThat(published).isEqualTo(expected);
        assertThat(QueuePublication.plan(published, shifted, 4_000).upserts()).as("nothing left to write").isEmpty();
    }

    @Test
    void unchangedRowsAreNotWrittenAndLeaversAreDeletedEvenWhenTheLimitIsReached() {
        Map<String, PendingInfo> published = QueuePublication.plan(Map.of(), queue(0, 5), 100).published();
        List<PendingInfo> next = new ArrayList<>(queue(0, 5).subList(0, 3));
        next.set(2, new PendingInfo("job-2", "team", "a100", 3, 3, PendingReason.CAPACITY, "no node fits", null));
        QueuePublication p = QueuePublication.plan(published, next, 1);
        assertThat(p.upserts()).extracting(PendingInfo::jobId).containsExactly("job-2");
        assertThat(p.deletes()).containsExactlyInAnyOrder("job-3", "job-4");
        assertThat(p.deferred()).isZero();
        assertThatThrownBy(() -> QueuePublication.plan(published, next, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
