package dev.athanor.worker.augment;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.AugmentationSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.util.Images;

import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * {@code AUGMENTATION engine=classical}: writes {@code outputsPerImage} augmented copies of every png/jpg in
 * {@code inputDir} to {@code outputDir} (same relative path, suffix {@code _aug<k>}). Each copy applies a random
 * non-empty subset of the spec's operations, in the spec's order, with random parameters; everything is drawn from a
 * random source seeded by (seed, image path, k), so a run is reproducible and independent of processing order.
 * Writes {@code manifest.jsonl}: one line per source with its outputs and the operations applied.
 */
public final class ClassicalAugmentationEngine implements Engine {
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "classical";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException {
        AugmentationSpec spec = ctx.spec(AugmentationSpec.class);
        Path in = ctx.resolve(spec.inputDir());
        Path out = ctx.resolve(spec.outputDir());
        List<Path> sources = Images.list(in);
        Files.createDirectories(out);
        Reporter r = ctx.reporter();
        r.log("INFO augmenting " + sources.size() + " images x " + spec.outputsPerImage() + " with " + spec.operations());
        long start = System.nanoTime();
        long lastMetrics = 0;
        int written = 0;
        Path manifest = out.resolve("manifest.jsonl");
        try (BufferedWriter mw = Files.newBufferedWriter(manifest, StandardCharsets.UTF_8)) {
            for (int i = 0; i < sources.size(); i++) {
                ctx.cancellation().throwIfCancelled();
                Path src = sources.get(i);
                String rel = Images.relative(in, src);
                BufferedImage img = Images.readRgb(src);
                List<Map<String, Object>> outputs = new ArrayList<>();
                for (int k = 0; k < spec.outputsPerImage(); k++) {
                    ctx.cancellation().throwIfCancelled();
                    SplittableRandom rnd = new SplittableRandom(mix(spec.seed(), rel, k));
                    List<ImageOps.Applied> applied = new ArrayList<>();
                    BufferedImage aug = augment(img, spec.operations(), rnd, applied);
                    String outRel = withSuffix(rel, "_aug" + k);
                    Path target = out.resolve(outRel);
                    Images.write(aug, target);
                    r.artifact(target, outRel, "image");
                    written++;
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("file", outRel);
                    o.put("operations", applied.stream().map(ClassicalAugmentationEngine::describe).toList());
                    outputs.add(o);
                }
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("source", rel);
                line.put("outputs", outputs);
                mw.write(JSON.writeValueAsString(line));
                mw.write('\n');
                r.progress(i + 1, sources.size(), Reporter.eta(start, i + 1, sources.size()), "augmenting");
                long now = System.nanoTime();
                if (now - lastMetrics > 1_000_000_000L || i == sources.size() - 1) {
                    lastMetrics = now;
                    r.metrics(i + 1, Map.of("images_per_second", rate(written, start), "images_written", (double) written));
                }
            }
        }
        r.artifact(manifest, "manifest.jsonl", "manifest");
        double ips = rate(written, start);
        return new EngineOutcome("wrote " + written + " augmented images from " + sources.size() + " sources to " + out,
                Map.of("images_written", (double) written, "sources", (double) sources.size(), "images_per_second", ips));
    }

    /** Applies a non-empty random subset of {@code ops}, in order. */
    static BufferedImage augment(BufferedImage img, List<String> ops, SplittableRandom rnd, List<ImageOps.Applied> applied) {
        List<String> chosen = new ArrayList<>();
        for (String op : ops) {
            if (rnd.nextBoolean()) {
                chosen.add(op);
            }
        }
        if (chosen.isEmpty()) {
            chosen.add(ops.get(rnd.nextInt(ops.size())));
        }
        BufferedImage cur = img;
        for (String op : chosen) {
            Map<String, Object> params = ImageOps.params();
            cur = ImageOps.apply(op, cur, rnd, params);
            applied.add(new ImageOps.Applied(op, params));
        }
        return cur;
    }

    private static Map<String, Object> describe(ImageOps.Applied a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", a.op());
        m.putAll(a.params());
        return m;
    }

    static long mix(long seed, String rel, int k) {
        long h = seed * 0x9E3779B97F4A7C15L;
        h ^= rel.hashCode() * 0xC2B2AE3D27D4EB4FL;
        h ^= (k + 1L) * 0x165667B19E3779F9L;
        return h;
    }

    static String withSuffix(String rel, String suffix) {
        int dot = rel.lastIndexOf('.');
        return dot < 0 ? rel + suffix : rel.substring(0, dot) + suffix + rel.substring(dot);
    }

    private static double rate(int n, long startNanos) {
        double s = Math.max(1e-9, (System.nanoTime() - startNanos) / 1e9);
        return n / s;
    }
}
