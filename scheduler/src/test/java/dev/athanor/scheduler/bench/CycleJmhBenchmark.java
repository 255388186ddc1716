package dev.athanor.scheduler.bench;

import dev.athanor.scheduler.Decision;
import dev.athanor.scheduler.Scheduler;
import dev.athanor.scheduler.SchedulerConfig;
import dev.athanor.scheduler.Snapshot;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

import java.util.Collection;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * JMH: one scheduling cycle over 100,000 pending jobs, 1,000 teams, 2,000 nodes (not a unit test; see BENCHMARKS.md).
 * {@code main} runs it and prints one JSON line at the end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class CycleJmhBenchmark {

    @Param({"100000"})
    public int pending;

    private Snapshot snapshot;
    private Scheduler scheduler;

    @Setup(Level.Trial)
    public void setup() {
        snapshot = BenchSnapshots.build(1, pending, 1000, 2000);
        scheduler = new Scheduler(SchedulerConfig.defaults());
    }

    @Benchmark
    public Decision cycle() {
        return scheduler.schedule(snapshot);
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(CycleJmhBenchmark.class.getSimpleName()).build()).run();
        for (RunResult r : results) {
            var s = r.getPrimaryResult().getStatistics();
            System.out.printf(Locale.ROOT, "{\"benchmark\":\"scheduler-cycle-jmh\",\"pending\":100000,\"teams\":1000,"
                            + "\"nodes\":2000,\"cores\":%d,\"meanMs\":%.3f,\"p50Ms\":%.3f,\"p99Ms\":%.3f,\"targetMs\":50,"
                            + "\"met\":%b}%n", Runtime.getRuntime().availableProcessors(), s.getMean(),
                    s.getPercentile(50), s.getPercentile(99), s.getPercentile(99) <= 50);
        }
    }
}
