package dev.athanor.scheduler;

import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.athanor.scheduler.Fx.A100;
import static dev.athanor.scheduler.Fx.H200;
import static dev.athanor.scheduler.Fx.NOW;
import static dev.athanor.scheduler.Fx.min;
import static org.assertj.core.api.Assertions.assertThat;

class SchedulerTest {

    private static final FlavorQuota BIG = FlavorQuota.of(1000);

    @Test
    void eightGpuWorkerIsNeverSplitOverTwoHalfFreeNodes() {
        Fx fx = new Fx().node("n1", H200, 8, 4).node("n2", H200, 8, 4)
                .team("ml", null, 1, H200, BIG)
                .run("r1", "ml", Priority.NORMAL, 4, H200, min(60), min(30), "n1")
                .run("r2", "ml", Priority.NORMAL, 4, H200, min(60), min(90), "n2")
                .pend("big", "ml", Priority.NORMAL, 1, 8, H200, min(1));
        Decision d = fx.schedule();
        assertThat(d.admissions()).isEmpty();
        PendingInfo p = d.pendingById().get("big");
        assertThat(p.reason()).isEqualTo(PendingReason.GANG);
        assertThat(p.message()).contains("8 free GPUs").contains("largest free block 4");
        // the estimate is the first moment a single node has 8 free GPUs: when r1 ends
        assertThat(p.estimatedStart()).isEqualTo(NOW.plus(min(30)));

        fx.node("n3", H200, 8, 8);
        Decision d2 = fx.schedule();
        assertThat(d2.admission("big").workerNodes()).containsExactly("n3");
    }

    @Test
    void bestFitKeepsWholeNodesFreeForBigJobs() {
        Decision d = new Fx().node("a", H200, 8, 8).node("b", H200, 8, 2).node("c", H200, 8, 3)
                .team("ml", null, 1, H200, BIG)
                .pend("small", "ml", Priority.NORMAL, 1, 2, H200, min(1))
                .pend("eight", "ml", Priority.NORMAL, 1, 8, H200, min(0))
                .schedule();
        assertThat(d.admission("small").workerNodes()).containsExactly("b");
        assertThat(d.admission("eight").workerNodes()).containsExactly("a");
    }

    @Test
    void gangIsAllOrNothing() {
        // 12 GPUs free in total but only two nodes with 4 free: a 3x4 gang cannot start, a 2x4 gang can
        Decision d = new Fx().node("a", A100, 8, 4).node("b", A100, 8, 4).node("c", A100, 8, 2).node("d", A100, 8, 2)
                .team("ml", null, 1, A100, BIG)
                .pend("gang", "ml", Priority.NORMAL, 3, 4, A100, min(1))
                .pend("pair", "ml", Priority.NORMAL, 2, 4, A100, min(0))
                .schedule();
        assertThat(d.admission("gang")).isNull();
        assertThat(d.pendingById().get("gang").reason()).isEqualTo(PendingReason.GANG);
        assertThat(d.admission("pair").workerNodes()).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void unschedulableJobsAreFlaggedImmediatelyWithTheReason() {
        Decision d = new Fx().node("a", A100, 8, 8)
                .team(Team.of("ml", null, 1, Map.of(A100, new FlavorQuota(8, 8, 0))))
                .pend("wide", "ml", Priority.NORMAL, 1, 16, A100, min(0))
                .pend("greedy", "ml", Priority.NORMAL, 3, 8, A100, min(0))
                .pend("nowhere", "ml", Priority.NORMAL, 1, 1, "tpu-v5", min(0))
                .pend("ghost", "nobody", Priority.NORMAL, 1, 1, A100, min(0))
                .schedule();
        Map<String, PendingInfo> p = d.pendingById();
        assertThat(p.get("wide").reason()).isEqualTo(PendingReason.UNSCHEDULABLE);
        assertThat(p.get("wide").message()).contains("16 GPUs per worker").contains("largest a100-80gb node has 8");
        assertThat(p.get("greedy").reason()).isEqualTo(PendingReason.UNSCHEDULABLE);
        assertThat(p.get("nowhere").reason()).isEqualTo(PendingReason.UNSCHEDULABLE);
        assertThat(p.get("ghost").reason()).isEqualTo(PendingReason.UNSCHEDULABLE);
        assertThat(p.get("wide").estimatedStart()).isNull();
    }

    @Test
    void quotaAboveNominalNeedsBorrowingFromTheCohort() {
        Fx fx = new Fx().node("a", A100, 8, 8).node("b", A100, 8, 8)
                .team("vision", "lab", 1, A100, FlavorQuota.of(8))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(8))
                .pend("v1", "vision", Priority.NORMAL, 1, 8, A100, min(2))
                .pend("v2", "vision", Priority.NORMAL, 1, 8, A100, min(1));
        Decision d = fx.schedule();
        assertThat(d.admissions()).hasSize(2);
        assertThat(d.admission("v1").borrowing()).isFalse();
        assertThat(d.admission("v2").borrowing()).isTrue();
    }

    @Test
    void withoutCohortATeamNeverExceedsNominal() {
        Decision d = new Fx().node("a", A100, 8, 8).node("b", A100, 8, 8)
                .team("vision", null, 1, A100, FlavorQuota.of(8))
                .pend("v1", "vision", Priority.NORMAL, 1, 8, A100, min(2))
                .pend("v2", "vision", Priority.NORMAL, 1, 8, A100, min(1))
                .schedule();
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("v1");
        assertThat(d.pendingById().get("v2").reason()).isEqualTo(PendingReason.QUOTA);
    }

    @Test
    void lendingLimitCapsWhatOthersMayBorrow() {
        Decision d = new Fx().node("a", A100, 8, 8).node("b", A100, 8, 8)
                .team("vision", "lab", 1, A100, FlavorQuota.of(0))
                .team("nlp", "lab", 1, A100, new FlavorQuota(16, 0, 4))
                .pend("v1", "vision", Priority.NORMAL, 1, 4, A100, min(3))
                .pend("v2", "vision", Priority.NORMAL, 1, 1, A100, min(2))
                .schedule();
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("v1");
        PendingInfo v2 = d.pendingById().get("v2");
        assertThat(v2.reason()).isEqualTo(PendingReason.QUOTA);
        assertThat(v2.message()).contains("cohort can still lend 0");
    }

    @Test
    void borrowingLimitCapsATeamEvenWhenTheCohortIsIdle() {
        Decision d = new Fx().node("a", A100, 8, 8).node("b", A100, 8, 8)
                .team("vision", "lab", 1, A100, new FlavorQuota(4, 4, FlavorQuota.UNLIMITED))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(12))
                .pend("v1", "vision", Priority.NORMAL, 1, 8, A100, min(3))
                .pend("v2", "vision", Priority.NORMAL, 1, 1, A100, min(2))
                .schedule();
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("v1");
        assertThat(d.pendingById().get("v2").reason()).isEqualTo(PendingReason.QUOTA);
    }

    @Test
    void teamBelowNominalReclaimsBorrowedGpus() {
        // vision borrowed nlp's GPUs: both nodes are busy with vision jobs; nlp submits within its nominal and has
        // waited longer than reclaim-after (30 min) for a GPU to free (the rule before preemptions had to earn their
        // cost reclaimed at once: this test then submitted n1 1 minute ago)
        Decision d = new Fx().node("a", A100, 8, 0).node("b", A100, 8, 0)
                .team("vision", "lab", 1, A100, FlavorQuota.of(8))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(8))
                .run("v-old", "vision", Priority.NORMAL, 8, A100, min(120), null, "a")
                .run("v-young", "vision", Priority.NORMAL, 4, A100, min(30), null, "b")
                .run("v-young2", "vision", Priority.NORMAL, 4, A100, min(20), null, "b")
                .pend("n1", "nlp", Priority.LOW, 1, 4, A100, min(31))
                .schedule();
        assertThat(d.admissions()).isEmpty();
        assertThat(d.preemptions()).hasSize(1);
        Preemption p = d.preemptions().get(0);
        assertThat(p.reason()).isEqualTo(PreemptionReason.RECLAIM);
        assertThat(p.preemptorJobId()).isEqualTo("n1");
        assertThat(p.victimJobId()).isEqualTo("v-young2"); // fewest GPUs, then youngest
        assertThat(p.message()).contains("below its nominal");
        assertThat(d.pendingById().get("n1").message()).contains("v-young2");
    }

    @Test
    void reclaimWaitsForAdmissionOrderFirst() {
        // the same cluster, but nlp's job has waited 29 minutes: the GPUs that free go to nlp by fair share first
        Decision d = new Fx().node("a", A100, 8, 0).node("b", A100, 8, 0)
                .team("vision", "lab", 1, A100, FlavorQuota.of(8))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(8))
                .run("v-old", "vision", Priority.NORMAL, 8, A100, min(120), null, "a")
                .run("v-young", "vision", Priority.NORMAL, 4, A100, min(30), null, "b")
                .pend("n1", "nlp", Priority.LOW, 1, 4, A100, min(29))
                .schedule();
        assertThat(d.preemptions()).isEmpty();
    }

    @Test
    void aVictimMustHoldItsGpusLongerThanTheWorkItWouldLose() {
        // v-ending (the youngest, which the victim order prefers) ran 15 min and ends in 5: stopping it throws away
        // 15 min to gain 5 (gain/loss 0.33 < 4); v-long ran 20 min and would hold its GPUs 5 more hours: worth it
        Decision d = new Fx().node("a", A100, 4, 0).node("b", A100, 4, 0)
                .team("vision", "lab", 1, A100, FlavorQuota.of(4))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(4))
                .run("v-ending", "vision", Priority.NORMAL, 4, A100, min(15), min(5), "a")
                .run("v-long", "vision", Priority.NORMAL, 4, A100, min(20), min(300), "b")
                .pend("n1", "nlp", Priority.NORMAL, 1, 4, A100, min(45))
                .schedule();
        assertThat(d.preemptions()).singleElement().satisfies(p -> assertThat(p.victimJobId()).isEqualTo("v-long"));
    }

    @Test
    void aJobIsPreemptedAtMostItsBudgetAndItsCheckpointLimitsTheLoss() {
        Instant checkpoint = Fx.NOW.minus(min(5));
        RunningJob twice = RunningJob.of("v-preempted", "vision", Priority.LOW, 4, A100, List.of("a"),
                Fx.NOW.minus(min(40)), Fx.NOW.plus(min(300))).withHistory(null, 1);
        // ran 3 h, ends in 30 min, but saved 5 min ago: only 5 minutes are lost, 30 minutes gained
        RunningJob saved = RunningJob.of("v-saved", "vision", Priority.LOW, 4, A100, List.of("b"),
                Fx.NOW.minus(min(180)), Fx.NOW.plus(min(30))).withHistory(checkpoint, 0);
        Fx fx = new Fx().node("a", A100, 4, 0).node("b", A100, 4, 0)
                .team("vision", "lab", 1, A100, FlavorQuota.of(8))
                .pend("urgent", "vision", Priority.HIGH, 1, 4, A100, min(1));
        fx.running.add(twice);
        fx.running.add(saved);
        Decision d = fx.schedule();
        assertThat(d.preemptions()).singleElement().satisfies(p -> assertThat(p.victimJobId()).isEqualTo("v-saved"));
        assertThat(saved.workAtRiskSince()).isEqualTo(checkpoint);
    }

    @Test
    void noReclaimWhenTheClaimingTeamWouldExceedItsNominal() {
        Decision d = new Fx().node("a", A100, 8, 0).node("b", A100, 8, 0)
                .team("vision", "lab", 1, A100, FlavorQuota.of(8))
                .team("nlp", "lab", 1, A100, FlavorQuota.of(8))
                .run("v1", "vision", Priority.NORMAL, 8, A100, min(120), null, "a")
                .run("n0", "nlp", Priority.NORMAL, 8, A100, min(120), null, "b")
                .pend("n1", "nlp", Priority.NORMAL, 1, 4, A100, min(1))
                .schedule();
        assertThat(d.preemptions()).isEmpty();
    }

    @Test
    void minimumRuntimeProtectsFreshJobs() {
        Fx fx = new Fx().node("a", A100, 8, 0)
                .team("ml", null, 1, A100, FlavorQuota.of(8))
                .run("low", "ml", Priority.LOW, 8, A100, min(3), null, "a")
                .pend("urgent", "ml", Priority.URGENT, 1, 8, A100, min(1));
        assertThat(fx.schedule(SchedulerConfig.defaults().withMinRuntime(min(10))).preemptions()).isEmpty();
        Decision later = fx.schedule(SchedulerConfig.defaults().withMinRuntime(min(2)));
        assertThat(later.preemptions()).singleElement().satisfies(p -> {
            assertThat(p.victimJobId()).isEqualTo("low");
            assertThat(p.reason()).isEqualTo(PreemptionReason.PRIORITY);
        });
        assertThat(later.pendingById().get("urgent").reason()).isEqualTo(PendingReason.PRIORITY);
    }

    @Test
    void inTeamPreemptionNeverEvictsEqualOrHigherPriority() {
        Decision d = new Fx().node("a", A100, 8, 0).node("b", A100, 8, 0)
                .team("ml", null, 1, A100, FlavorQuota.of(16))
                .run("same", "ml", Priority.HIGH, 8, A100, min(100), null, "a")
                .run("higher", "ml", Priority.URGENT, 8, A100, min(100), null, "b")
                .pend("h", "ml", Priority.HIGH, 1, 8, A100, min(1))
                .schedule();
        assertThat(d.preemptions()).isEmpty();
    }

    @Test
    void victimsAreGangAwareAndMinimal() {
        // a 2-worker gang spans nodes a and b; a 1-GPU job sits on c. The preemptor needs 1 GPU.
        Decision d = new Fx().node("a", A100, 4, 0).node("b", A100, 4, 0).node("c", A100, 4, 3)
                .team("ml", null, 1, A100, FlavorQuota.of(10))
                .run("gang", "ml", Priority.LOW, 4, A100, min(100), null, "a", "b")
                .run("tiny", "ml", Priority.LOW, 1, A100, min(50), null, "c")
                .runCkpt("tiny-ckpt", "ml", Priority.LOW, 1, A100, min(60), "c")
                .pend("p", "ml", Priority.HIGH, 1, 1, A100, min(1))
                .schedule();
        // quota 10 of 10 in use (not capacity): must free one GPU; prefer a 1-GPU checkpointable job over half a gang
        assertThat(d.preemptions()).singleElement().satisfies(p -> {
            assertThat(p.victimJobId()).isEqualTo("tiny-ckpt");
            assertThat(p.checkpoint()).isTrue();
        });
    }

    @Test
    void preemptionPicksTheNodeThatFreesAWholeWorkerCheapest() {
        // the preemptor needs an 8-GPU node: node a has four 2-GPU LOW jobs, node b one 8-GPU LOW job
        Decision d = new Fx().node("a", A100, 8, 0).node("b", A100, 8, 0)
                .team("ml", null, 1, A100, FlavorQuota.of(24))
                .run("a1", "ml", Priority.LOW, 2, A100, min(100), null, "a")
                .run("a2", "ml", Priority.LOW, 2, A100, min(100), null, "a")
                .run("a3", "ml", Priority.LOW, 2, A100, min(100), null, "a")
                .run("a4", "ml", Priority.LOW, 2, A100, min(100), null, "a")
                .run("b1", "ml", Priority.LOW, 8, A100, min(100), null, "b")
                .pend("p", "ml", Priority.HIGH, 1, 8, A100, min(1))
                .schedule();
        // both free 8 GPUs; the tie goes to fewer victims: one job instead of four
        assertThat(d.preemptions()).extracting(Preemption::victimJobId).containsExactly("b1");
    }

    @Test
    void priorityClassComesFirstThenFairShareThenCreationTime() {
        // no nominal quota: the whole node is a cohort pool, so only priority and fair share decide
        Fx fx = new Fx().node("a", A100, 8, 1)
                .team("rich", "lab", 1, A100, FlavorQuota.of(0))
                .team("poor", "lab", 1, A100, FlavorQuota.of(0))
                .cohort("lab", A100, 8)
                .run("r", "rich", Priority.NORMAL, 7, A100, min(10), null, "a")
                .pend("rich-old", "rich", Priority.NORMAL, 1, 1, A100, min(20))
                .pend("poor-new", "poor", Priority.NORMAL, 1, 1, A100, min(5));
        assertThat(fx.schedule().admissions()).extracting(Admission::jobId).containsExactly("poor-new");
        fx.pend("rich-urgent", "rich", Priority.URGENT, 1, 1, A100, min(1));
        Decision d = fx.schedule();
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("rich-urgent");
        // the urgent job borrowed the pool's last GPU, so the binding constraint reported is the cohort pool
        assertThat(d.pendingById().get("poor-new").reason()).isEqualTo(PendingReason.QUOTA);
        assertThat(d.pendingById().get("poor-new").message()).contains("cohort can still lend 0");
        // equal shares and priority: the older job first
        Decision tie = new Fx().node("a", A100, 8, 1)
                .team("x", "lab", 1, A100, FlavorQuota.of(0)).team("y", "lab", 1, A100, FlavorQuota.of(0))
                .cohort("lab", A100, 8)
                .pend("y-old", "y", Priority.NORMAL, 1, 1, A100, min(9))
                .pend("x-new", "x", Priority.NORMAL, 1, 1, A100, min(2))
                .schedule();
        assertThat(tie.admissions()).extracting(Admission::jobId).containsExactly("y-old");
        assertThat(tie.pendingById().get("x-new").reason()).isEqualTo(PendingReason.FAIRNESS);
    }

    @Test
    void nominalQuotaIsAGuaranteeThatComesBeforeBorrowingEvenOfHigherPriority() {
        Decision d = new Fx().node("a", A100, 8, 1)
                .team("rich", "lab", 1, A100, FlavorQuota.of(4))
                .team("poor", "lab", 1, A100, FlavorQuota.of(4))
                .run("r", "rich", Priority.NORMAL, 7, A100, min(1), null, "a")
                .pend("rich-urgent", "rich", Priority.URGENT, 1, 1, A100, min(1))
                .pend("poor-low", "poor", Priority.LOW, 1, 1, A100, min(5))
                .schedule();
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("poor-low");
    }

    @Test
    void fairShareUsesWeightsAndDecayedUsage() {
        Snapshot s = new Fx().node("a", A100, 8, 0)
                .team(Team.of("heavy", "lab", 2, Map.of(A100, FlavorQuota.of(4))))
                .team(new Team("light", "lab", 1, Map.of(A100, FlavorQuota.of(4)),
                        new DecayedUsage(8 * 3600.0 * 24, NOW)))
                .run("h", "heavy", Priority.NORMAL, 4, A100, min(10), null, "a")
                .run("l", "light", Priority.NORMAL, 4, A100, min(10), null, "a")
                .snapshot();
        List<TeamShare> shares = FairShare.compute(s, SchedulerConfig.defaults().withUsageWeight(1.0)
                .withUsageHalfLife(Duration.ofDays(1)));
        TeamShare heavy = shares.get(0), light = shares.get(1);
        assertThat(heavy.dominantShare()).isEqualTo(0.5);
        assertThat(heavy.weightedShare()).isEqualTo(0.25);
        // 8 GPUs x 1 day of decayed usage on an 8-GPU cluster with tau = 1 day / ln 2 -> ln 2
        assertThat(light.historicalShare()).isCloseTo(Math.log(2), org.assertj.core.data.Offset.offset(1e-9));
        assertThat(light.weightedShare()).isCloseTo(0.5 + Math.log(2), org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void decayedUsageHalvesAfterOneHalfLifeAndConvergesUnderConstantUse() {
        Duration hl = Duration.ofHours(1);
        DecayedUsage u = new DecayedUsage(100, NOW);
        assertThat(u.valueAt(NOW.plus(hl), hl)).isCloseTo(50, org.assertj.core.data.Offset.offset(1e-9));
        DecayedUsage c = DecayedUsage.ZERO;
        for (int i = 1; i <= 100; i++) {
            c = c.accrue(4, java.time.Instant.EPOCH.plus(hl.multipliedBy(i)), hl);
        }
        assertThat(c.gpuSeconds()).isCloseTo(4 * 3600 / Math.log(2), org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void reservationHoldsNodesForAStarvingJobAndOnlyShortJobsBackfill() {
        Fx fx = new Fx().node("a", H200, 8, 4).node("b", H200, 8, 0)
                .team("ml", null, 1, H200, FlavorQuota.of(64))
                .run("ra", "ml", Priority.NORMAL, 4, H200, min(100), min(60), "a")
                .run("rb", "ml", Priority.NORMAL, 8, H200, min(100), min(120), "b")
                .pend("big", "ml", Priority.NORMAL, 1, 8, H200, min(45)) // waited past the 30 min bound
                .pend("small-unknown", "ml", Priority.NORMAL, 1, 4, H200, min(10))
                .pend(PendingJob.of("small-short", "ml", Priority.NORMAL, 1, 2, H200, NOW.minus(min(9)))
                        .withExpectedDuration(min(30)))
                .pend(PendingJob.of("small-long", "ml", Priority.NORMAL, 1, 2, H200, NOW.minus(min(8)))
                        .withExpectedDuration(min(90)));
        Decision d = fx.schedule();
        assertThat(d.reservations()).singleElement().satisfies(r -> {
            assertThat(r.jobId()).isEqualTo("big");
            assertThat(r.nodes()).containsExactly("a");
            assertThat(r.expectedStart()).isEqualTo(NOW.plus(min(60)));
        });
        assertThat(d.admissions()).extracting(Admission::jobId).containsExactly("small-short");
        Map<String, PendingInfo> p = d.pendingById();
        assertThat(p.get("small-unknown").reason()).isEqualTo(PendingReason.RESERVATION);
        assertThat(p.get("small-long").reason()).isEqualTo(PendingReason.RESERVATION);
        assertThat(p.get("big").message()).contains("reserved");

        // before the bound, small jobs simply backfill around the big one
        Decision early = fx.schedule(SchedulerConfig.defaults().withReservationAfter(min(60)));
        assertThat(early.reservations()).isEmpty();
        assertThat(early.admissions()).extracting(Admission::jobId).contains("small-unknown");
    }

    @Test
    void startEstimatesReplayExpectedEndsInQueueOrder() {
        Fx fx = new Fx().node("a", A100, 8, 0)
                .team("ml", null, 1, A100, FlavorQuota.of(64))
                .run("r", "ml", Priority.NORMAL, 8, A100, min(10), min(60), "a")
                .pend(PendingJob.of("first", "ml", Priority.NORMAL, 1, 8, A100, NOW.minus(min(3)))
                        .withExpectedDuration(min(30)))
                .pend("second", "ml", Priority.NORMAL, 1, 4, A100, min(2))
                .pend("third", "ml", Priority.NORMAL, 1, 4, A100, min(1));
        Map<String, PendingInfo> p = fx.schedule().pendingById();
        assertThat(p.get("first").estimatedStart()).isEqualTo(NOW.plus(min(60)));
        assertThat(p.get("second").estimatedStart()).isEqualTo(NOW.plus(min(90)));
        assertThat(p.get("third").estimatedStart()).isEqualTo(NOW.plus(min(90)));
        assertThat(p.get("first").teamPosition()).isEqualTo(1);
        assertThat(p.get("third").teamPosition()).isEqualTo(3);
        assertThat(p.get("third").flavorPosition()).isEqualTo(3);
        assertThat(p.get("third").flavorQueue()).isEqualTo(A100);

        // a running job without an expected end makes later estimates unknown
        Fx unknown = new Fx().node("a", A100, 8, 0).team("ml", null, 1, A100, FlavorQuota.of(64))
                .run("r", "ml", Priority.NORMAL, 8, A100, min(10), null, "a")
                .pend("x", "ml", Priority.NORMAL, 1, 8, A100, min(1));
        assertThat(unknown.schedule().pendingById().get("x").estimatedStart()).isNull();
    }

    @Test
    void quotaBlockedJobsEstimateFromTheirOwnTeamsReleases() {
        Map<String, PendingInfo> p = new Fx().node("a", A100, 8, 4).node("b", A100, 8, 8)
                .team("ml", null, 1, A100, FlavorQuota.of(4))
                .run("mine", "ml", Priority.NORMAL, 4, A100, min(10), min(20), "a")
                .pend("q", "ml", Priority.NORMAL, 1, 4, A100, min(1))
                .schedule().pendingById();
        assertThat(p.get("q").reason()).isEqualTo(PendingReason.QUOTA);
        assertThat(p.get("q").estimatedStart()).isEqualTo(NOW.plus(min(20)));
    }

    @Test
    void anyFlavorJobsUseWhicheverFlavorHasQuotaAndRoom() {
        Decision d = new Fx().node("a", A100, 8, 0).node("h", H200, 8, 8)
                .team(Team.of("ml", null, 1, Map.of(A100, FlavorQuota.of(8), H200, FlavorQuota.of(8))))
                .pend(PendingJob.of("any", "ml", Priority.NORMAL, new Resources(4, 1, null, 1, "1Gi"),
                        NOW.minus(min(1))).withExpectedDuration(null))
                .schedule();
        assertThat(d.admission("any").flavor()).isEqualTo(H200);
    }

    @Test
    void cpuAndMemoryAreRespectedPerNode() {
        Snapshot s = new Snapshot(NOW,
                List.of(new Node("small", A100, 8, 8, 16, 4, 64L << 30, 64L << 30),
                        new Node("large", A100, 8, 8, 64, 64, 512L << 30, 512L << 30)),
                List.of(Team.of("ml", null, 1, Map.of(A100, FlavorQuota.of(16)))), List.of(),
                List.of(PendingJob.of("j", "ml", Priority.NORMAL, new Resources(1, 1, A100, 8, "32Gi"), NOW)));
        assertThat(new Scheduler().schedule(s).admission("j").workerNodes()).containsExactly("large");
    }
}
