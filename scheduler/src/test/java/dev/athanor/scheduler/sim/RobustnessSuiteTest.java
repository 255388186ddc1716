package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.SchedulerConfig;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

/** The suite's variants change what they say and nothing else, and the targets are checked as the brief states. */
class RobustnessSuiteTest {

    static final Workload BASE = GoodputAccountingTest.overloaded(21);

    @Test
    void pinningPinsAboutTheRateToFlavorsThatHoldTheJob() {
        Workload p = WorkloadVariants.pinned(BASE, 0.6, 1);
        long anyBefore = BASE.jobs().stream().filter(j -> j.flavor() == null).count();
        long anyAfter = p.jobs().stream().filter(j -> j.flavor() == null).count();
        assertThat(p.jobs()).hasSameSizeAs(BASE.jobs());
        assertThat((double) (anyBefore - anyAfter) / anyBefore).isCloseTo(0.6, offset(0.05));
        Set<String> flavors = new HashSet<>(BASE.capacityByFlavor().keySet());
        assertThat(p.jobs()).allSatisfy(j -> assertThat(j.flavor() == null || flavors.contains(j.flavor())).isTrue());
    }

    @Test
    void multiGpuHeavyTailBurstyAndSkewKeepTheJobsOtherwise() {
        Workload m = WorkloadVariants.moreMultiGpu(BASE, 0.3, 2);
        assertThat(m.jobs().stream().filter(j -> j.gpus() > 1).count())
                .isGreaterThan(BASE.jobs().stream().filter(j -> j.gpus() > 1).count());
        assertThat(m.jobs()).allSatisfy(j -> assertThat(j.gpusPerWorker()).isLessThanOrEqualTo(8));

        Workload h = WorkloadVariants.heavyTail(BASE, 3);
        double before = BASE.jobs().stream().mapToLong(JobSpec::duration).average().orElseThrow();
        double after = h.jobs().stream().mapToLong(JobSpec::duration).average().orElseThrow();
        assertThat(after / before).isBetween(0.7, 1.3); // mean kept (capped Pareto, mean 1)

        Workload b = WorkloadVariants.bursty(BASE, 3600, 4);
        for (int i = 0; i < b.jobs().size(); i++) {
            assertThat(b.jobs().get(i).arrival()).isLessThanOrEqualTo(BASE.jobs().get(i).arrival())
                    .isGreaterThan(BASE.jobs().get(i).arrival() - 3600);
        }
        assertThat(b.jobs().stream().map(JobSpec::arrival).distinct().count()).isLessThanOrEqualTo(14);

        Workload s = WorkloadVariants.skewedTeams(BASE, 5);
        long team0 = s.jobs().stream().filter(j -> j.team() == 0).count();
        assertThat((double) team0 / s.jobs().size()).isGreaterThan(0.4);
    }

    @Test
    void variantsHaveUniqueNamesHeldOutOnesIncludedAndUnknownNamesAreRefused() {
        List<RobustnessSuite.Variant> all = RobustnessSuite.variants(Map.of());
        assertThat(all.stream().map(RobustnessSuite.Variant::name).distinct().count()).isEqualTo(all.size());
        assertThat(all.stream().filter(RobustnessSuite.Variant::heldOut).count()).isGreaterThanOrEqualTo(3);
        assertThat(RobustnessSuite.select(all, "synthetic, alibaba")).extracting(RobustnessSuite.Variant::name)
                .containsExactly("synthetic", "alibaba");
        assertThatThrownBy(() -> RobustnessSuite.select(all, "nope"))
                .hasMessageContaining("unknown variant \"nope\"").hasMessageContaining("heldout-synthetic-bursty");
    }

    @Test
    void targetsCompareAthanorWithFifoOnTheSameWorkload() {
        Simulation.Options o = GoodputAccountingTest.OPT;
        SimResult ath = new Simulation(BASE, Policy.athanor(SchedulerConfig.defaults(), 0.5), o).run();
        SimResult fifo = new Simulation(BASE, Policy.fifo(), o).run();
        List<Targets.Verdict> v = Targets.BRIEF.check("w", ath, fifo);
        assertThat(v).hasSize(7);
        assertThat(v.get(0).value()).isEqualTo(ath.goodput());
        assertThat(v.get(2).value()).isEqualTo((double) ath.preemptions() / ath.jobs());
        assertThat(v.get(3).value()).isCloseTo(ath.p95Wait("1") / fifo.p95Wait("1"), offset(1e-12));
        assertThat(v.get(3).met()).isEqualTo(v.get(3).value() <= 0.5);
        // FIFO against itself: equal waits are a ratio of 1, which misses the 1-GPU target and meets the 8+ one
        List<Targets.Verdict> self = Targets.BRIEF.check("w", fifo, fifo);
        assertThat(self.get(3).met()).isFalse();
        assertThat(self.get(6).met()).isTrue();
        assertThat(self.get(1).met()).isTrue();
    }
}
