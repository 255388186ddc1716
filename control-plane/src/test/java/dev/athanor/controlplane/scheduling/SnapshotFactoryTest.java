package dev.athanor.controlplane.scheduling;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.FlavorQuota;
import dev.athanor.scheduler.Node;
import dev.athanor.scheduler.PendingReason;
import dev.athanor.scheduler.Scheduler;
import dev.athanor.scheduler.Snapshot;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The defaults that make an unconfigured cluster usable, and quotas that bind once configured. */
class SnapshotFactoryTest {
    static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
    static final List<Node> NODES = List.of(Node.of("n1", "h200", 8, 8), Node.of("n2", "h200", 8, 8));

    static SchedulingStore.PendingRow pending(String team, int gpus) {
        return new SchedulingStore.PendingRow(UUID.randomUUID(), team, Priority.NORMAL,
                new Resources(gpus, 1, null, 1, "1Gi"), NOW.minusSeconds(60));
    }

    static Snapshot build(List<SchedulingStore.TeamRow> teams, List<SchedulingStore.QuotaRow> quotas,
                          List<SchedulingStore.PendingRow> pending) {
        return SnapshotFactory.build(NOW, new SchedulingStore.Inputs(teams, quotas, List.of("h200"), Map.of(), pending,
                List.of()), NODES, "default", Map.of(), t -> t, k -> List.of());
    }

    @Test
    void withoutAnyQuotaEveryTeamSharesTheWholeClusterThroughTheDefaultCohort() {
        Snapshot s = build(List.of(), List.of(), List.of(pending("a", 8), pending("b", 8), pending("c", 0)));
        assertThat(s.cohorts()).singleElement().satisfies(c -> assertThat(c.sharedQuota()).containsEntry("h200", 16));
        assertThat(s.teams()).extracting(t -> t.name()).containsExactlyInAnyOrder("a", "b");
        assertThat(s.teams().get(0).quota("h200")).isEqualTo(new FlavorQuota(0, FlavorQuota.UNLIMITED, 0));
        assertThat(s.pending()).hasSize(2); // the CPU-only job is not the core's business
        Decision d = new Scheduler().schedule(s);
        assertThat(d.admissions()).hasSize(2);
    }

    @Test
    void configuredQuotaBindsAndOnlyUncoveredCapacityIsShared() {
        Snapshot s = build(List.of(new SchedulingStore.TeamRow("a", "default", 1.0), new SchedulingStore.TeamRow("b", "default", 1.0)),
                List.of(new SchedulingStore.QuotaRow("a", "h200", 4, 0, 0), new SchedulingStore.QuotaRow("b", "h200", 8, null, null)),
                List.of(pending("a", 8)));
        assertThat(s.cohorts().get(0).sharedQuota()).containsEntry("h200", 4); // 16 GPUs - 12 nominal
        Decision d = new Scheduler().schedule(s);
        assertThat(d.admissions()).isEmpty();
        assertThat(d.pending()).singleElement().satisfies(p -> assertThat(p.reason()).isEqualTo(PendingReason.UNSCHEDULABLE));
    }

    @Test
    void runningJobsWithoutAKnownPlacementCountOnTheirFlavorsFirstNode() {
        SchedulingStore.LiveRow live = new SchedulingStore.LiveRow(UUID.randomUUID(), 1, "a", Priority.LOW,
                new Resources(2, 2, null, 1, "1Gi"), NOW.minusSeconds(600), null, false, false, "h200", 0);
        Snapshot s = SnapshotFactory.build(NOW, new SchedulingStore.Inputs(List.of(), List.of(), List.of(), Map.of(),
                List.of(), List.of(live)), NODES, "default", Map.of(), t -> t, k -> List.of());
        assertThat(s.running()).singleElement().satisfies(r -> {
            assertThat(r.workerNodes()).containsExactly("n1", "n1");
            assertThat(r.totalGpus()).isEqualTo(4);
            assertThat(r.flavor()).isEqualTo("h200");
        });
    }
}
