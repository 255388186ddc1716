package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The worked example of README.md, kept honest. */
class ReadmeExampleTest {

    @Test
    void workedExample() {
        Instant now = Instant.parse("2025-06-01T12:00:00Z");
        Snapshot s = new Snapshot(now,
                List.of(Node.of("gpu-1", "h200-141gb", 8, 4),
                        Node.of("gpu-2", "h200-141gb", 8, 4)),
                List.of(Team.of("vision", "lab", 1, Map.of("h200-141gb", FlavorQuota.of(8))),
                        Team.of("nlp", "lab", 2, Map.of("h200-141gb", FlavorQuota.of(8)))),
                List.of(RunningJob.of("v-1", "vision", Priority.NORMAL, 4, "h200-141gb", List.of("gpu-1"),
                                now.minus(Duration.ofHours(2)), now.plus(Duration.ofMinutes(30))),
                        RunningJob.of("v-2", "vision", Priority.NORMAL, 4, "h200-141gb", List.of("gpu-2"),
                                now.minus(Duration.ofHours(1)), now.plus(Duration.ofMinutes(90)))),
                List.of(PendingJob.of("n-ft", "nlp", Priority.NORMAL, 1, 8, "h200-141gb", now.minus(Duration.ofMinutes(5))),
                        PendingJob.of("n-eval", "nlp", Priority.NORMAL, 1, 2, "h200-141gb", now.minus(Duration.ofMinutes(1)))));
        Decision d = new Scheduler().schedule(s);

        assertThat(d.admissions()).singleElement().satisfies(a -> {
            assertThat(a.jobId()).isEqualTo("n-eval");
            assertThat(a.workerNodes()).containsExactly("gpu-1");
            assertThat(a.borrowing()).isFalse();
        });
        PendingInfo ft = d.pendingById().get("n-ft");
        assertThat(ft.reason()).isEqualTo(PendingReason.GANG);
        assertThat(ft.message()).isEqualTo("h200-141gb has 8 free GPUs but no placement for 1 worker(s) of 8 GPUs each "
                + "on single nodes (largest free block 4)");
        // n-eval (no expected duration) now sits on gpu-1, so gpu-2 is the first node to reach 8 free: when v-2 ends
        assertThat(ft.estimatedStart()).isEqualTo(now.plus(Duration.ofMinutes(90)));
        assertThat(ft.teamPosition()).isEqualTo(1);
        assertThat(d.preemptions()).isEmpty();
        List<TeamShare> shares = FairShare.compute(s, SchedulerConfig.defaults());
        assertThat(shares.get(1).team()).isEqualTo("vision");
        assertThat(shares.get(1).dominantShare()).isEqualTo(0.5);
        assertThat(shares.get(1).weightedShare()).isEqualTo(0.5);
        assertThat(shares.get(0).weightedShare()).isZero();
    }
}
