package dev.athanor.worker.label;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.WorkerContract;
import dev.athanor.common.spec.LabelingSpec;
import dev.athanor.worker.engine.CancelledException;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.util.Images;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code LABELING}: sends every image in {@code inputDir} to an OpenAI-compatible chat-completions endpoint as a base64
 * data URL (system prompt + user text + image), with at most {@code concurrency} requests in flight, and writes
 * {@code outputFile} as JSONL {@code {"image","label","raw","model","usage"}}. Images that fail are counted in metric
 * {@code errors} and listed in {@code <outputFile>.errors.jsonl}; the job fails when more than 10% fail, or at once on
 * an authorization error or an unknown model.
 *
 * <p>Tuning by environment: {@code ATHANOR_LABEL_MAX_ATTEMPTS} (default 5), {@code ATHANOR_LABEL_BACKOFF_MS} (200).
 */
public final class LabelingEngine implements Engine {
    public static final String MAX_ATTEMPTS_ENV = "ATHANOR_LABEL_MAX_ATTEMPTS";
    public static final String BACKOFF_ENV = "ATHANOR_LABEL_BACKOFF_MS";
    static final double MAX_ERROR_FRACTION = 0.10;
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "openai-chat";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws Exception {
        LabelingSpec spec = ctx.spec(LabelingSpec.class);
        Path in = ctx.resolve(spec.inputDir());
        Path outFile = ctx.resolve(spec.outputFile());
        List<Path> images = Images.list(in);
        String apiKey = apiKey(spec, ctx);
        ChatClient client = new ChatClient(spec.endpoint(), apiKey, Duration.ofSeconds(spec.requestTimeoutSeconds()),
                (int) number(ctx, MAX_ATTEMPTS_ENV, 5), Duration.ofMillis((long) number(ctx, BACKOFF_ENV, 200)));
        Reporter r = ctx.reporter();
        r.log("INFO labeling " + images.size() + " images with model " + spec.model() + " at " + client.uri()
                + " (concurrency " + spec.concurrency() + ")");
        if (outFile.getParent() != null) {
            Files.createDirectories(outFile.getParent());
        }
        Path errFile = outFile.resolveSibling(outFile.getFileName() + ".errors.jsonl");
        Files.deleteIfExists(errFile);
        Counters c = new Counters(System.nanoTime(), images.size());
        AtomicReference<ChatException> fatal = new AtomicReference<>();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(spec.concurrency(), images.size()), rn -> {
            Thread t = new Thread(rn, "athanor-label");
            t.setDaemon(true);
            return t;
        });
        try (BufferedWriter out = Files.newBufferedWriter(outFile, StandardCharsets.UTF_8)) {
            for (Path img : images) {
                pool.execute(() -> labelOne(ctx, spec, client, in, img, out, errFile, c, fatal));
            }
            pool.shutdown();
            while (!pool.awaitTermination(100, TimeUnit.MILLISECONDS)) {
                if (ctx.cancellation().isCancelled() || fatal.get() != null) {
                    pool.shutdownNow();
                    pool.awaitTermination(5, TimeUnit.SECONDS);
                    break;
                }
            }
        } finally {
            pool.shutdownNow();
        }
        ctx.cancellation().throwIfCancelled();
        if (fatal.get() != null) {
            throw new EngineException("labeling stopped: " + fatal.get().getMessage());
        }
        c.reportMetrics(r, true);
        r.artifact(outFile, outFile.getFileName().toString(), "labels");
        long errors = c.errors.get();
        if (errors > 0) {
            r.artifact(errFile, errFile.getFileName().toString(), "errors");
        }
        if (errors > MAX_ERROR_FRACTION * images.size()) {
            throw new EngineException(errors + " of " + images.size() + " images failed (more than "
                    + (int) (MAX_ERROR_FRACTION * 100) + "%); first error: " + c.firstError.get());
        }
        return new EngineOutcome("labeled " + c.labeled.get() + " of " + images.size() + " images with " + spec.model()
                + (errors > 0 ? " (" + errors + " errors)" : ""),
                Map.of("labeled", (double) c.labeled.get(), "errors", (double) errors,
                        "tokens", (double) c.tokens.get(), "labels_per_second", c.rate()));
    }

    private void labelOne(EngineContext ctx, LabelingSpec spec, ChatClient client, Path in, Path img,
                          BufferedWriter out, Path errFile, Counters c, AtomicReference<ChatException> fatal) {
        if (ctx.cancellation().isCancelled() || fatal.get() != null) {
            return;
        }
        String rel = Images.relative(in, img);
        try {
            ChatReply reply = client.complete(request(spec, img));
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("image", rel);
            line.put("label", LabelPicker.pick(reply.content(), spec.allowedLabels()));
            line.put("raw", reply.content());
            line.put("model", reply.model() != null ? reply.model() : spec.model());
            line.put("usage", reply.usage());
            write(out, line);
            c.labeled.incrementAndGet();
            c.tokens.addAndGet(reply.totalTokens());
        } catch (ChatException e) {
            if (e.fatal()) {
                fatal.compareAndSet(null, e);
                return;
            }
            c.errors.incrementAndGet();
            c.firstError.compareAndSet(null, rel + ": " + e.getMessage());
            ctx.reporter().log("WARN " + rel + ": " + e.getMessage());
            appendError(errFile, rel, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (IOException | RuntimeException e) {
            if (ctx.cancellation().isCancelled() || e instanceof CancelledException) {
                return;
            }
            c.errors.incrementAndGet();
            c.firstError.compareAndSet(null, rel + ": " + e.getMessage());
            ctx.reporter().log("WARN " + rel + ": " + e.getMessage());
        }
        long done = c.done.incrementAndGet();
        ctx.reporter().progress(done, c.total, Reporter.eta(c.startNanos, done, c.total), "labeling");
        c.reportMetrics(ctx.reporter(), false);
    }

    static ObjectNode request(LabelingSpec spec, Path img) throws IOException {
        String url = "data:" + Images.mediaType(img) + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(img));
        ObjectNode body = JSON.createObjectNode();
        body.put("model", spec.model());
        body.put("max_tokens", spec.maxTokens());
        body.put("temperature", spec.temperature());
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "system").put("content", spec.systemPrompt());
        ObjectNode user = messages.addObject().put("role", "user");
        ArrayNode content = user.putArray("content");
        content.addObject().put("type", "text").put("text", spec.userPrompt());
        content.addObject().put("type", "image_url").putObject("image_url").put("url", url);
        return body;
    }

    private static void write(BufferedWriter out, Map<String, Object> line) throws IOException {
        String s = JSON.writeValueAsString(line);
        synchronized (out) {
            out.write(s);
            out.write('\n');
        }
    }

    private static void appendError(Path errFile, String rel, ChatException e) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("image", rel);
        line.put("status", e.status());
        line.put("error", e.getMessage());
        try {
            String s = JSON.writeValueAsString(line) + "\n";
            synchronized (LabelingEngine.class) {
                Files.writeString(errFile, s, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND);
            }
        } catch (IOException ignored) {
            // the error is already counted and logged
        }
    }

    private static String apiKey(LabelingSpec spec, EngineContext ctx) {
        if (spec.apiKeySecret() == null || spec.apiKeySecret().isBlank()) {
            return null;
        }
        String var = WorkerContract.secretEnvName(spec.apiKeySecret());
        String key = ctx.env().get(var);
        if (key == null || key.isEmpty()) {
            throw new JobRejectedException("spec.apiKeySecret names secret '" + spec.apiKeySecret()
                    + "' but the worker has no " + var + " in its environment");
        }
        return key;
    }

    private static double number(EngineContext ctx, String name, double fallback) {
        try {
            return Double.parseDouble(ctx.env(name, Double.toString(fallback)));
        } catch (NumberFormatException e) {
            throw new JobRejectedException(name + " must be a number");
        }
    }

    /** Shared counters of one run. */
    private static final class Counters {
        final long startNanos;
        final long total;
        final AtomicLong done = new AtomicLong();
        final AtomicLong labeled = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLong tokens = new AtomicLong();
        final AtomicReference<String> firstError = new AtomicReference<>();
        final AtomicLong lastMetricsNanos = new AtomicLong();

        Counters(long startNanos, long total) {
            this.startNanos = startNanos;
            this.total = total;
        }

        double rate() {
            return labeled.get() / Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        }

        void reportMetrics(Reporter r, boolean force) {
            long now = System.nanoTime();
            long last = lastMetricsNanos.get();
            if (force || (now - last > 1_000_000_000L && lastMetricsNanos.compareAndSet(last, now))) {
                r.metrics(done.get(), Map.of("labels_per_second", rate(), "errors", (double) errors.get(),
                        "tokens", (double) tokens.get()));
            }
        }
    }
}
