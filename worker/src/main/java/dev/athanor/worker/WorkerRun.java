package dev.athanor.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.athanor.common.event.Payloads;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.common.spec.InvalidSpecException;
import dev.athanor.common.spec.JobSpec;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.Cancellation;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.Engines;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.event.EventEmitter;
import dev.athanor.worker.event.EventSink;
import dev.athanor.worker.event.EventSinkException;

import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One worker process's life: STARTED, heartbeats, the engine's events, and exactly one RESULT, then the exit code
 * (0 succeeded, 1 engine failure, 2 bad job or spec, 3 events undelivered, 143 cancelled). Independent of where events go, so tests run it
 * with an in-memory sink.
 */
public final class WorkerRun {
    public static final int EXIT_OK = 0;
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_BAD_JOB = 2;
    /** The job's last events (its RESULT) could not be delivered to the control plane. */
    public static final int EXIT_EVENTS_UNDELIVERED = WorkerContract.EXIT_EVENTS_UNDELIVERED;

    private static final Duration FINAL_FLUSH = Duration.ofSeconds(30);

    private final WorkerJob job;
    private final Path workDir;
    private final Duration heartbeat;
    private final Cancellation cancellation;
    private final Map<String, String> env;
    private final PrintStream stderr;
    private final EventEmitter emitter;
    private final Duration startTimeout;
    private final Duration deliveryWait;

    /**
     * @param startTimeout how long to wait for the STARTED event (and, at the end, the RESULT) to be acknowledged
     */
    public WorkerRun(UUID jobId, int attempt, int worker, WorkerJob job, Path workDir, Duration heartbeat,
                     EventSink sink, Duration startTimeout, Cancellation cancellation, Map<String, String> env,
                     PrintStream stderr) {
        this.job = job;
        this.workDir = workDir;
        this.heartbeat = heartbeat;
        this.cancellation = cancellation;
        this.env = env;
        this.stderr = stderr;
        this.startTimeout = startTimeout;
        this.deliveryWait = startTimeout;
        this.emitter = new EventEmitter(sink, jobId, attempt, worker);
    }

    /** Runs the job; never throws. */
    public int execute() {
        int code;
        try (EventReporter reporter = new EventReporter(emitter, stderr)) {
            code = execute(reporter);
        } catch (EventSinkException e) {
            stderr.println("[athanor-worker] ERROR " + e.getMessage());
            code = EXIT_FAILED;
        }
        return delivered(code);
    }

    /**
     * Waits for the last events (bounded by the delivery wait) and never exits silently when some could not be
     * delivered: a RESULT that did not reach the control plane turns the exit into {@link #EXIT_EVENTS_UNDELIVERED}.
     */
    private int delivered(int code) {
        EventSink sink = emitter.sink();
        boolean last = sink.flush(FINAL_FLUSH.compareTo(deliveryWait) > 0 ? FINAL_FLUSH : deliveryWait);
        long lost = sink.undelivered();
        String why = sink.lossReason() == null ? "" : ": " + sink.lossReason();
        if (!last) {
            stderr.println("[athanor-worker] ERROR the last events (the result among them) could not be delivered to "
                    + sink.describe() + (lost > 0 ? " (" + lost + " events given up on)" : "") + why
                    + "; exiting " + EXIT_EVENTS_UNDELIVERED);
            return EXIT_EVENTS_UNDELIVERED;
        }
        if (lost > 0) {
            stderr.println("[athanor-worker] ERROR " + lost + " events could not be delivered to " + sink.describe()
                    + " (the result was)" + why);
        } else {
            stderr.println("[athanor-worker] delivered " + emitter.sent().describe() + " to " + sink.describe());
        }
        return code;
    }

    private int execute(EventReporter reporter) {
        JobSpec spec;
        Engine engine;
        try {
            spec = JobSpecs.parse(job.kind(), job.spec());
            // confined again here, whatever the control plane accepted: a spec path never reaches outside its roots
            List<dev.athanor.common.spec.FieldError> paths = EngineContext.policy(env).check(spec, job.team());
            if (!paths.isEmpty()) {
                throw new InvalidSpecException(paths);
            }
            engine = Engines.create(spec);
        } catch (InvalidSpecException | JobRejectedException e) {
            emitter.emit(started(engineNameOf(job.spec())));
            confirmStarted();
            return finish(reporter, Payloads.Result.Status.FAILED, "invalid job: " + e.getMessage(), Map.of(),
                    EXIT_BAD_JOB);
        }
        emitter.emit(started(engine.name()));
        confirmStarted();
        reporter.log("INFO job " + emitter.jobId() + " (" + job.kind() + ", engine " + engine.name() + ") started; events to "
                + emitter.sink().describe());
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "athanor-heartbeat");
            t.setDaemon(true);
            return t;
        });
        beats.scheduleAtFixedRate(this::beat, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
        try {
            Files.createDirectories(workDir);
            Map<String, String> engineEnv = new java.util.HashMap<>(env);
            if (job.team() != null) {
                engineEnv.put(EngineContext.TEAM, job.team());
            }
            EngineOutcome outcome = engine.run(new EngineContext(spec, workDir, cancellation, reporter, engineEnv));
            if (cancellation.isCancelled()) {
                throw new CancelledException(cancellation.reason());
            }
            reporter.log("INFO succeeded: " + outcome.message());
            return finish(reporter, Payloads.Result.Status.SUCCEEDED, outcome.message(), outcome.summary(), EXIT_OK);
        } catch (EventSinkException e) {
            throw e;
        } catch (Exception e) {
            if (e instanceof CancelledException || cancellation.isCancelled()) {
                String why = cancellation.isCancelled() ? cancellation.reason() : e.getMessage();
                reporter.log("INFO cancelled: " + why);
                return finish(reporter, Payloads.Result.Status.CANCELLED, "cancelled: " + why, Map.of(),
                        WorkerContract.EXIT_TERMINATED);
            }
            if (e instanceof JobRejectedException) {
                reporter.log("ERROR invalid job: " + e.getMessage());
                return finish(reporter, Payloads.Result.Status.FAILED, "invalid job: " + e.getMessage(), Map.of(),
                        EXIT_BAD_JOB);
            }
            String msg = e instanceof EngineException ? e.getMessage() : e.getClass().getSimpleName() + ": " + e.getMessage();
            if (!(e instanceof EngineException)) {
                e.printStackTrace(stderr);
            }
            reporter.log("ERROR failed: " + msg);
            return finish(reporter, Payloads.Result.Status.FAILED, msg, Map.of(), EXIT_FAILED);
        } finally {
            beats.shutdownNow();
        }
    }

    /**
     * Reports CANCELLED on behalf of an engine that did not stop within the grace period (called from the SIGTERM hook).
     * Does nothing when a result was already sent.
     */
    public void reportCancelledNow(String why) {
        try {
            if (emitter.emit(new Payloads.Result(Payloads.Result.Status.CANCELLED, "cancelled: " + why
                    + " (engine did not stop in time)", Map.of()))) {
                emitter.sink().flush(Duration.ofSeconds(10));
            }
        } catch (RuntimeException e) {
            stderr.println("[athanor-worker] ERROR " + e.getMessage());
        }
    }

    private int finish(EventReporter reporter, Payloads.Result.Status status, String message, Map<String, Double> summary,
                       int code) {
        reporter.flush();
        emitter.emit(new Payloads.Result(status, message, summary));
        return code;
    }

    private void confirmStarted() {
        if (!emitter.sink().flush(startTimeout)) {
            throw new EventSinkException("no acknowledgement for the STARTED event from " + emitter.sink().describe()
                    + " within " + startTimeout.toSeconds() + " s");
        }
    }

    private void beat() {
        try {
            emitter.emit(new Payloads.Heartbeat());
        } catch (RuntimeException e) {
            stderr.println("[athanor-worker] WARN heartbeat not sent: " + e.getMessage());
        }
    }

    private Payloads.Started started(String engine) {
        return new Payloads.Started(hostName(), ProcessHandle.current().pid(),
                parseGpus(env.get(WorkerContract.CUDA_VISIBLE_DEVICES)), engine);
    }

    static String engineNameOf(JsonNode spec) {
        JsonNode e = spec == null ? null : spec.get("engine");
        return e != null && e.isTextual() ? e.asText() : "unknown";
    }

    /** Integer device ids from CUDA_VISIBLE_DEVICES ("4,5,6,7"); UUIDs and empty values give no ids. */
    public static List<Integer> parseGpus(String visible) {
        List<Integer> out = new ArrayList<>();
        if (visible == null) {
            return out;
        }
        for (String part : visible.split(",")) {
            try {
                int id = Integer.parseInt(part.trim());
                if (id >= 0) {
                    out.add(id);
                }
            } catch (NumberFormatException ignored) {
                // GPU UUIDs or MIG names: not reported as indices
            }
        }
        return out;
    }

    private String hostName() {
        String h = env.get("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "localhost";
        }
    }
}
