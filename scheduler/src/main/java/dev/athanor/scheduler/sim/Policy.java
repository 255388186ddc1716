package dev.athanor.scheduler.sim;

import dev.athanor.scheduler.Cohort;
import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.Scheduler;
import dev.athanor.scheduler.SchedulerConfig;
import dev.athanor.scheduler.Snapshot;
import dev.athanor.scheduler.Team;

import java.util.List;

/** A scheduling policy under simulation: the teams/cohorts it sees and how it decides. */
public interface Policy {
    String name();

    List<Team> teams(Workload w);

    List<Cohort> cohorts(Workload w);

    Decision decide(Snapshot s);

    /** The real core with cohort sharing: nominal = guaranteedFraction of each team's weighted slice, rest pooled. */
    static Policy athanor(SchedulerConfig cfg, double guaranteedFraction) {
        Scheduler sch = new Scheduler(cfg);
        return new Policy() {
            public String name() {
                return "athanor";
            }

            public List<Team> teams(Workload w) {
                return w.teams(true, guaranteedFraction);
            }

            public List<Cohort> cohorts(Workload w) {
                return w.cohorts(true, guaranteedFraction);
            }

            public Decision decide(Snapshot s) {
                return sch.schedule(s);
            }
        };
    }

    /** The real core, but every team only gets its own slice (no cohort, no borrowing). */
    static Policy staticPartition(SchedulerConfig cfg) {
        Scheduler sch = new Scheduler(cfg);
        return new Policy() {
            public String name() {
                return "static";
            }

            public List<Team> teams(Workload w) {
                return w.teams(false, 1.0);
            }

            public List<Cohort> cohorts(Workload w) {
                return List.of();
            }

            public Decision decide(Snapshot s) {
                return sch.schedule(s);
            }
        };
    }

    /** Strict FIFO over the whole cluster, head-of-line blocking, no quotas, best-fit placement. */
    static Policy fifo() {
        return new FifoPolicy();
    }
}
