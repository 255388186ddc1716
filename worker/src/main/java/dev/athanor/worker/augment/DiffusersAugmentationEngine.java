package dev.athanor.worker.augment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.process.ChildProcess;
import dev.athanor.worker.util.Images;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code AUGMENTATION engine=diffusers}: Stable Diffusion img2img through the bundled Python helper
 * {@code athanor_img2img.py} (diffusers {@code AutoPipelineForImage2Image}, one seeded generator per output). The
 * helper reports JSON lines on stdout ({@code {"event":"progress","step","total"}}, {@code {"event":"image","path"}})
 * that become PROGRESS, METRICS and ARTIFACT events. Outputs are {@code <name>_sd<k>.png} under {@code outputDir};
 * output k of the i-th image uses seed {@code seed + i * outputsPerImage + k}.
 *
 * <p>Environment: {@code ATHANOR_PYTHON} (interpreter, default {@code python3}), {@code ATHANOR_IMG2IMG_SCRIPT}
 * (use this script instead of the bundled one), {@code ATHANOR_DIFFUSERS_CPU_OFFLOAD=1} (enable_model_cpu_offload).
 */
public final class DiffusersAugmentationEngine implements Engine {
    public static final String PYTHON_ENV = "ATHANOR_PYTHON";
    public static final String SCRIPT_ENV = "ATHANOR_IMG2IMG_SCRIPT";
    public static final String MISSING_MESSAGE = "diffusers engine needs python3 with diffusers and torch installed; "
            + "use engine=classical on machines without them";
    static final String RESOURCE = "/dev/athanor/worker/python/athanor_img2img.py";
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "diffusers";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException, InterruptedException {
        AugmentationSpec spec = ctx.spec(AugmentationSpec.class);
        if (spec.model() == null || spec.model().isBlank()) {
            throw new JobRejectedException("the diffusers engine needs spec.model (a diffusers model id or path, e.g. "
                    + "stabilityai/stable-diffusion-3.5-large)");
        }
        Path in = ctx.resolve(spec.inputDir());
        Path out = ctx.resolve(spec.outputDir());
        List<Path> sources = Images.list(in);
        String python = ctx.env(PYTHON_ENV, "python3");
        checkPython(python, ctx);
        Path helperDir = Files.createDirectories(ctx.workDir().resolve(".athanor"));
        Path script = script(ctx, helperDir);

        List<Map<String, Object>> items = new ArrayList<>();
        StringBuilder tsv = new StringBuilder();
        for (int i = 0; i < sources.size(); i++) {
            String rel = Images.relative(in, sources.get(i));
            for (int k = 0; k < spec.outputsPerImage(); k++) {
                String outRel = ClassicalAugmentationEngine.withSuffix(stripExt(rel) + ".png", "_sd" + k);
                Path target = out.resolve(outRel);
                Files.createDirectories(target.getParent());
                long seed = spec.seed() + (long) i * spec.outputsPerImage() + k;
                Map<String, Object> item = new LinkedHashMap<>();
                item.put("input", sources.get(i).toString());
                item.put("output", target.toString());
                item.put("seed", seed);
                item.put("source", rel);
                item.put("name", outRel);
                items.add(item);
                tsv.append(sources.get(i)).append('\t').append(target).append('\t').append(seed).append('\n');
            }
        }
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("model", spec.model());
        cfg.put("prompt", spec.prompt());
        cfg.put("negative_prompt", spec.negativePrompt());
        cfg.put("strength", spec.strength());
        cfg.put("guidance_scale", spec.guidanceScale());
        cfg.put("num_inference_steps", spec.numInferenceSteps());
        cfg.put("cpu_offload", "1".equals(ctx.env("ATHANOR_DIFFUSERS_CPU_OFFLOAD", "0")));
        cfg.put("items", items);
        Path cfgFile = helperDir.resolve("img2img-job.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(cfgFile.toFile(), cfg);
        // the same items as tab-separated input/output/seed lines, for simple tools and test doubles
        Files.writeString(helperDir.resolve("img2img-job.tsv"), tsv, StandardCharsets.UTF_8);

        Reporter r = ctx.reporter();
        r.log("INFO img2img with " + spec.model() + ": " + items.size() + " outputs from " + sources.size()
                + " images, strength " + spec.strength() + ", guidance " + spec.guidanceScale() + ", "
                + spec.numInferenceSteps() + " steps");
        Protocol protocol = new Protocol(items, r, out);
        int code = ChildProcess.run(List.of(python, script.toString(), "--config", cfgFile.toString()), ctx.workDir(),
                ctx.env(), ctx.cancellation(), r, protocol::onLine);
        if (code != 0) {
            throw new EngineException("the img2img helper exited with code " + code
                    + (protocol.lastError != null ? ": " + protocol.lastError : "") + " (see the job's stderr log)");
        }
        if (protocol.images.get() != items.size()) {
            throw new EngineException("the img2img helper reported " + protocol.images.get() + " of " + items.size()
                    + " images");
        }
        double ips = protocol.images.get() / Math.max(1e-9, (System.nanoTime() - protocol.start) / 1e9);
        r.metrics(items.size(), Map.of("images_per_second", ips, "images_written", (double) items.size()));
        return new EngineOutcome("wrote " + items.size() + " img2img images from " + sources.size() + " sources to " + out,
                Map.of("images_written", (double) items.size(), "sources", (double) sources.size(),
                        "images_per_second", ips));
    }

    private static void checkPython(String python, EngineContext ctx) throws InterruptedException {
        try {
            ProcessBuilder pb = new ProcessBuilder(python, "-c", "import diffusers, torch").redirectErrorStream(true);
            pb.environment().putAll(ctx.env());
            Process p = pb.start();
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new EngineException(MISSING_MESSAGE + " (checking '" + python + "' timed out)");
            }
            if (p.exitValue() != 0) {
                String last = output.isEmpty() ? "" : output.substring(output.lastIndexOf('\n') + 1);
                throw new EngineException(MISSING_MESSAGE + " (" + python + ": " + last + ")");
            }
        } catch (IOException e) {
            throw new EngineException(MISSING_MESSAGE + " (cannot run '" + python + "': " + e.getMessage() + ")");
        }
        ctx.cancellation().throwIfCancelled();
    }

    private static Path script(EngineContext ctx, Path helperDir) throws IOException {
        String custom = ctx.env(SCRIPT_ENV, null);
        if (custom != null) {
            return Path.of(custom);
        }
        Path target = helperDir.resolve("athanor_img2img.py");
        try (InputStream res = DiffusersAugmentationEngine.class.getResourceAsStream(RESOURCE)) {
            if (res == null) {
                throw new EngineException("the worker jar lacks " + RESOURCE);
            }
            Files.copy(res, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static String stripExt(String rel) {
        int dot = rel.lastIndexOf('.');
        return dot < 0 ? rel : rel.substring(0, dot);
    }

    /** Parses the helper's JSON lines. */
    private static final class Protocol {
        final List<Map<String, Object>> items;
        final Reporter reporter;
        final Path out;
        final long start = System.nanoTime();
        final AtomicInteger images = new AtomicInteger();
        final AtomicLong stepsPerImage = new AtomicLong(1);
        volatile String lastError;

        Protocol(List<Map<String, Object>> items, Reporter reporter, Path out) {
            this.items = items;
            this.reporter = reporter;
            this.out = out;
        }

        void onLine(String line) {
            String t = line.trim();
            if (!t.startsWith("{")) {
                if (t.contains("Error")) {
                    lastError = t;
                }
                return;
            }
            JsonNode n;
            try {
                n = JSON.readTree(t);
            } catch (IOException e) {
                return;
            }
            String event = n.path("event").asText();
            int total = items.size();
            switch (event) {
                case "progress" -> {
                    long steps = Math.max(1, n.path("total").asLong(1));
                    stepsPerImage.set(steps);
                    long done = (long) images.get() * steps + n.path("step").asLong();
                    reporter.progress(done, total * steps, Reporter.eta(start, done, total * steps), "img2img");
                }
                case "image" -> {
                    int index = n.path("index").asInt(images.get());
                    Path file = Path.of(n.path("path").asText());
                    if (!Files.isRegularFile(file)) {
                        lastError = "helper reported image " + file + " but it does not exist";
                        return;
                    }
                    int done = images.incrementAndGet();
                    String name = index >= 0 && index < total ? String.valueOf(items.get(index).get("name"))
                            : out.relativize(file).toString();
                    reporter.artifact(file, name, "image");
                    long steps = stepsPerImage.get();
                    reporter.progress(done * steps, total * steps, Reporter.eta(start, done, total), "img2img");
                    double ips = done / Math.max(1e-9, (System.nanoTime() - start) / 1e9);
                    reporter.metrics(done, Map.of("images_per_second", ips));
                }
                case "error" -> lastError = n.path("message").asText();
                default -> {
                    // loaded, done: informational
                }
            }
        }
    }
}
