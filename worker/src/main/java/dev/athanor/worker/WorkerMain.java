package dev.athanor.worker;

import dev.athanor.common.event.EventSignature;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.worker.engine.Cancellation;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.event.EventSink;
import dev.athanor.worker.event.FileEventSink;
import dev.athanor.worker.event.KafkaEventSink;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The worker process's entry point ({@code java -jar athanor-worker.jar}). Reads the {@link WorkerContract}
 * environment and the job, runs it with events to Kafka (or to {@code ATHANOR_EVENTS_FILE}), and exits with
 * 0 (succeeded), 1 (failed), 2 (bad job or environment) or 143 (stopped by SIGTERM, RESULT CANCELLED sent).
 */
public final class WorkerMain {
    private final Map<String, String> env;
    private final Cancellation cancellation;
    private final PrintStream stderr;
    private volatile WorkerRun current;

    public WorkerMain(Map<String, String> env, Cancellation cancellation, PrintStream stderr) {
        this.env = Map.copyOf(env);
        this.cancellation = cancellation;
        this.stderr = stderr;
    }

    public static void main(String[] args) {
        Cancellation cancellation = new Cancellation();
        WorkerMain main = new WorkerMain(System.getenv(), cancellation, System.err);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> main.onSigterm(done), "athanor-sigterm"));
        int code;
        try {
            code = main.run();
        } catch (Throwable t) {
            t.printStackTrace();
            code = WorkerRun.EXIT_FAILED;
        } finally {
            done.countDown();
        }
        System.exit(code);
    }

    /** Runs the worker in this thread and returns its exit code. */
    public int run() {
        WorkerConfig config;
        WorkerJob job;
        try {
            config = WorkerConfig.fromEnv(env);
            List<String> problems = config.problems();
            if (!problems.isEmpty()) {
                return reject(String.join("; ", problems));
            }
            job = readJob(config);
        } catch (JobRejectedException e) {
            return reject(e.getMessage());
        }
        UUID jobId;
        int attempt;
        try {
            jobId = config.jobIdText() != null ? UUID.fromString(config.jobIdText()) : job.jobId();
            attempt = config.attemptText() != null ? Integer.parseInt(config.attemptText())
                    : Math.max(1, job.attempt());
        } catch (IllegalArgumentException e) {
            return reject(WorkerContract.JOB_ID + "/" + WorkerContract.ATTEMPT + " malformed: " + e.getMessage());
        }
        if (jobId == null) {
            return reject(WorkerContract.JOB_ID + " is required (or jobId in the job file)");
        }
        if (job.kind() == null) {
            return reject("the job has no kind");
        }
        if (attempt < 1) {
            return reject(WorkerContract.ATTEMPT + " must be >= 1");
        }
        EventSink sink;
        try {
            sink = openSink(config, jobId, attempt);
        } catch (RuntimeException e) {
            return reject("cannot set up the event sink: " + e.getMessage());
        }
        Duration startTimeout = Duration.ofMillis(config.kafka().maxBlockMs() + config.kafka().deliveryTimeoutMs());
        try {
            current = new WorkerRun(jobId, attempt, config.workerIndex(), job, config.workDir(), config.heartbeat(),
                    sink, startTimeout, cancellation, env, stderr);
            if (cancellation.isCancelled()) {
                current.reportCancelledNow(cancellation.reason());
                return WorkerContract.EXIT_TERMINATED;
            }
            return current.execute();
        } finally {
            sink.close(Duration.ofSeconds(10));
        }
    }

    /** The SIGTERM path: set the flag, give the engine time to stop, report CANCELLED if it did not. */
    void onSigterm(CountDownLatch done) {
        if (done.getCount() == 0) {
            return;
        }
        stderr.println("[athanor-worker] INFO SIGTERM received: cancelling");
        cancellation.cancel("stopped by SIGTERM");
        Duration grace = WorkerConfig.stopGraceOf(env);
        try {
            if (!done.await(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                WorkerRun run = current;
                if (run != null) {
                    run.reportCancelledNow("stopped by SIGTERM");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private EventSink openSink(WorkerConfig config, UUID jobId, int attempt) {
        if (config.eventsFile() != null) {
            return new FileEventSink(config.eventsFile());
        }
        String clientId = "athanor-worker-" + jobId + "-" + attempt + "-" + config.workerIndex();
        String eventKey = env.get(WorkerContract.EVENT_KEY);
        return new KafkaEventSink(config.kafkaBootstrap(), config.topic(), jobId.toString(), clientId, config.kafka(),
                eventKey == null || eventKey.isBlank() ? null : EventSignature.decodeKey(eventKey));
    }

    private static WorkerJob readJob(WorkerConfig config) {
        try {
            if (config.jobFile() != null) {
                Path file = Path.of(config.jobFile());
                if (!Files.isReadable(file)) {
                    throw new JobRejectedException(WorkerContract.JOB_FILE + " " + file + " is not a readable file");
                }
                return Json.lenient().readValue(file.toFile(), WorkerJob.class);
            }
            return Json.lenient().readValue(config.jobJson(), WorkerJob.class);
        } catch (JobRejectedException e) {
            throw e;
        } catch (Exception e) {
            String src = config.jobFile() != null ? WorkerContract.JOB_FILE : WorkerContract.JOB_JSON;
            throw new JobRejectedException("cannot read the job from " + src + ": " + firstLine(e.getMessage()));
        }
    }

    private int reject(String message) {
        stderr.println("[athanor-worker] ERROR bad job or environment: " + message);
        return WorkerRun.EXIT_BAD_JOB;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
