package dev.athanor.scheduler;

import java.util.Objects;

/**
 * The scheduling core. Stateless and thread-safe: {@link #schedule(Snapshot)} is a pure function of the snapshot and
 * the configuration. Call it once per cycle, apply the preemptions and admissions, persist the pending info.
 */
public final class Scheduler {

    private final SchedulerConfig config;

    public Scheduler(SchedulerConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public Scheduler() {
        this(SchedulerConfig.defaults());
    }

    public SchedulerConfig config() {
        return config;
    }

    public Decision schedule(Snapshot snapshot) {
        return new Cycle(config, snapshot).run();
    }
}
