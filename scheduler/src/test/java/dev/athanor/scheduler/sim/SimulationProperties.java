package dev.athanor.scheduler.sim;

import dev.athanor.common.job.Priority;
import dev.athanor.scheduler.SchedulerConfig;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

/** Multi-cycle properties, checked by replaying small workloads through the real core in virtual time. */
class SimulationProperties {

    static final long CYCLE = 10;
    static final Duration RESERVE_AFTER = Duration.ofMinutes(30);
    static final long MAX_SMALL_SECONDS = 1800; // small jobs run at most 30 min (estimate at most 1.5x that)

    /**
     * A 16-GPU cluster is kept busy by a continuous stream of 1-GPU jobs (offered load ~0.9); the same team submits an
     * 8-GPU job in the middle. Smaller jobs behind it backfill, and without a reservation every GPU that frees goes to a
     * 1-GPU job, so the 8-GPU job rarely finds a whole free node. With a reservation it must start within: reservation bound + the longest small-job
     * estimate + two cycles. The stated bound is therefore 30 min + 45 min + 20 s.
     */
    @Property(tries = 12)
    void bigJobStartsWithinTheReservationBound(@ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
        Workload w = starvationWorkload(seed);
        SchedulerConfig cfg = SchedulerConfig.defaults().withReservationAfter(RESERVE_AFTER);
        SimResult r = new Simulation(w, Policy.athanor(cfg, 1.0), new Simulation.Options(CYCLE, 300, Duration.ofDays(1)))
                .run();
        long bound = RESERVE_AFTER.toSeconds() + (long) (MAX_SMALL_SECONDS * 1.5) + 2 * CYCLE;
        assertThat(r.waitsById().get("big")).isBetween(0L, bound);
        assertThat(r.unfinished()).isZero();
    }

    @Test
    void withoutReservationTheBigJobWaitsFarLonger() {
        Workload w = starvationWorkload(7);
        SchedulerConfig off = SchedulerConfig.defaults().withMaxReservationsPerFlavor(0);
        SchedulerConfig on = SchedulerConfig.defaults().withReservationAfter(RESERVE_AFTER);
        Simulation.Options o = new Simulation.Options(CYCLE, 300, Duration.ofDays(1));
        long waitOff = new Simulation(w, Policy.athanor(off, 1.0), o).run().waitsById().get("big");
        long waitOn = new Simulation(w, Policy.athanor(on, 1.0), o).run().waitsById().get("big");
        // without a reservation, 1-GPU jobs keep taking every GPU as it frees: the 8-GPU job waits until arrivals stop
        assertThat(waitOff).isGreaterThan(3 * waitOn);
    }

    /**
     * Three teams with weights 1, 2, 3, no nominal quota (the whole cluster is a cohort pool), all with far more demand
     * than the cluster: GPU-time received converges to the weights.
     */
    @Property(tries = 4)
    void sharesConvergeToWeightsUnderSustainedDemand(@ForAll @LongRange(min = 1, max = 1_000_000) long seed) {
        Random r = new Random(seed);
        List<Workload.NodeSpec> nodes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            nodes.add(new Workload.NodeSpec("n" + i, "h200-141gb", 8));
        }
        double[] weights = {1, 2, 3};
        List<JobSpec> jobs = new ArrayList<>();
        int k = 0;
        for (int team = 0; team < 3; team++) {
            for (long t = 0; t < 8 * 3600; t += 20) { // each team alone could fill the cluster twice over
                long d = 600 + r.nextInt(600);
                int g = r.nextInt(4) == 0 ? 2 : 1;
                jobs.add(new JobSpec(String.format("j%06d", k++), team, 1, g, null, t, d, d, Priority.NORMAL, 0));
            }
        }
        Workload w = new Workload("fair", nodes, List.of("one", "two", "three"), weights, jobs, "");
        SimResult res = new Simulation(w, Policy.athanor(SchedulerConfig.defaults(), 0.0),
                new Simulation.Options(CYCLE, 300, Duration.ofHours(1))).run();
        // GPU-time received / weighted fair share, over the backlog window
        res.normalizedShares().values().forEach(x -> assertThat(x).isCloseTo(1.0, offset(0.1)));
        assertThat(res.jain()).isGreaterThan(0.99);
    }

    static Workload starvationWorkload(long seed) {
        Random r = new Random(seed);
        List<Workload.NodeSpec> nodes = List.of(new Workload.NodeSpec("a", "h200-141gb", 8),
                new Workload.NodeSpec("b", "h200-141gb", 8));
        List<JobSpec> jobs = new ArrayList<>();
        long t = 0;
        int k = 0;
        // offered load ~0.9: mean duration ~ 1000 s, 16 GPUs -> one 1-GPU job every ~70 s, for 6 hours
        while (t < 6 * 3600) {
            long d = 200 + r.nextInt((int) MAX_SMALL_SECONDS - 200);
            long est = (long) Math.ceil(d * (1 + 0.5 * r.nextDouble()));
            jobs.add(new JobSpec(String.format("s%05d", k++), 0, 1, 1, null, t, d, est, Priority.NORMAL, 0));
            t += 1 + r.nextInt(139);
        }
        jobs.add(new JobSpec("big", 0, 1, 8, null, 3600, 3600, 3600, Priority.NORMAL, 0));
        return new Workload("starvation", nodes, List.of("a"), new double[]{1}, jobs, "");
    }
}
