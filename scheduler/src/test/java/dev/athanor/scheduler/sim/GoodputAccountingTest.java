package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;
import dev.athanor.scheduler.SchedulerConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** The simulator's goodput and waste figures: every used GPU-second is either kept work or thrown-away work. */
class GoodputAccountingTest {

    static final Simulation.Options OPT = new Simulation.Options(10, 300, Duration.ofDays(1));

    /** A small synthetic cluster under sustained overload, with priorities, gangs and checkpointing jobs. */
    static Workload overloaded(long seed) {
        return SyntheticWorkload.generate(seed, List.of("a100-80gb", "h200-141gb"), 4, 8, new double[] {1, 1, 2, 4},
                1.5, 12 * 3600);
    }

    @Test
    void usedGpuSecondsAreTheCompletedWorkPlusTheWastedWork() {
        Workload w = overloaded(11);
        SimResult r = new Simulation(w, Policy.athanor(SchedulerConfig.defaults(), 0.5), OPT).run();
        double work = 0;
        for (JobSpec j : w.jobs()) {
            work += (double) j.duration() * j.gpus();
        }
        assertThat(r.unfinished()).isZero();
        assertThat(r.unschedulable()).isZero();
        // each job's work is done exactly once; what a preemption lost was done again and is the waste
        assertThat(r.usedGpuSeconds()).isCloseTo(work + r.wastedGpuSeconds(), offset(0.5));
        assertThat(r.goodput()).isLessThanOrEqualTo(r.utilization() + 1e-9);
        assertThat(r.wastedShare()).isBetween(0.0, 1.0);
    }

    @Test
    void withoutPreemptionGoodputIsUtilization() {
        SimResult r = new Simulation(overloaded(12), Policy.fifo(), OPT).run();
        assertThat(r.preemptions()).isZero();
        assertThat(r.wastedGpuSeconds()).isZero();
        assertThat(r.goodput()).isCloseTo(r.utilization(), offset(1e-9)).isGreaterThan(0.5);
    }

    @Test
    void aPreemptedJobKeepsTheWorkUpToItsLastCheckpointOnly() {
        // one 8-GPU node; a LOW job that checkpoints every 600 s holds it, a HIGH job arrives after 1,000 s of running
        List<Workload.NodeSpec> nodes = List.of(new Workload.NodeSpec("n0", "a100-80gb", 8));
        JobSpec low = new JobSpec("low", 0, 1, 8, null, 0, 7200, 7200, Priority.LOW, 600);
        JobSpec high = new JobSpec("high", 0, 1, 8, null, 1000, 600, 600, Priority.HIGH, 0);
        Workload w = new Workload("two", nodes, List.of("t"), new double[] {1}, List.of(low, high), "two jobs");
        SimResult r = new Simulation(w, Policy.athanor(SchedulerConfig.defaults().withMinRuntime(Duration.ZERO), 1.0),
                OPT).run();
        assertThat(r.preemptions()).isEqualTo(1);
        // preempted in the cycle the HIGH job arrived, after 1,000 s of running: 600 s kept, 400 s on 8 GPUs wasted
        assertThat(r.wastedGpuSeconds()).isEqualTo(400.0 * 8);
        assertThat(r.usedGpuSeconds()).isEqualTo((7200 + 600) * 8 + r.wastedGpuSeconds());
        assertThat(r.mostPreemptionsOfOneJob()).isEqualTo(1);
    }

    @Test
    void keptProgressIsTheWorkUpToTheLastCheckpoint() {
        JobSpec every600 = new JobSpec("a", 0, 1, 1, null, 0, 5000, 5000, Priority.NORMAL, 600);
        JobSpec never = new JobSpec("b", 0, 1, 1, null, 0, 5000, 5000, Priority.NORMAL, 0);
        assertThat(every600.keptProgress(599)).isZero();
        assertThat(every600.keptProgress(600)).isEqualTo(600);
        assertThat(every600.keptProgress(1799)).isEqualTo(1200);
        assertThat(never.keptProgress(4999)).isZero();
        assertThat(never.checkpointable()).isFalse();
    }
}
