package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.util.Images;
import dev.athanor.worker.util.LabelledImages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * {@code FINE_TUNE engine=builtin}: trains a softmax classifier on colour features of a labelled JSONL dataset
 * ({@code dataset}, image paths relative to {@code datasetDir} or the file's directory) with mini-batch SGD: batch
 * {@code perDeviceTrainBatchSize × gradientAccumulationSteps}, {@code numTrainEpochs} epochs, cosine-decayed
 * {@code learningRate}, 10% of the data held out for {@code eval_loss}. Reports progress per step and metrics
 * {@code loss, lr} per step and {@code accuracy, eval_loss, eval_accuracy, epoch} per epoch. Writes to
 * {@code outputDir}: {@code model.json}, {@code trainer_log.jsonl} (LLaMA-Factory format) and {@code train_results.json}.
 * The shuffle seed is {@code overrides.seed} (default 42).
 */
public final class BuiltinFineTuneEngine implements Engine {
    static final double WEIGHT_DECAY = 1e-4;
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "builtin";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException {
        FineTuneSpec spec = ctx.spec(FineTuneSpec.class);
        Reporter r = ctx.reporter();
        Path datasetFile = ctx.resolve(spec.dataset());
        Path base = spec.datasetDir() == null || spec.datasetDir().isBlank() ? null : ctx.resolve(spec.datasetDir());
        List<LabelledImages.Item> items = LabelledImages.read(datasetFile, base);
        List<String> classes = new ArrayList<>(new TreeSet<>(items.stream().map(LabelledImages.Item::label).toList()));
        if (classes.size() < 2) {
            throw new EngineException("the dataset " + datasetFile + " needs at least 2 classes, found " + classes);
        }
        long seed = seed(spec);
        Path out = ctx.resolve(spec.outputDir());
        Files.createDirectories(out);
        r.log("INFO extracting features of " + items.size() + " images (" + classes.size() + " classes: " + classes + ")");

        double[][] x = new double[items.size()][];
        int[] y = new int[items.size()];
        long start = System.nanoTime();
        for (int i = 0; i < items.size(); i++) {
            ctx.cancellation().throwIfCancelled();
            x[i] = ImageFeatures.extract(Images.readRgb(items.get(i).file()));
            y[i] = classes.indexOf(items.get(i).label());
            r.progress(i + 1, items.size(), Reporter.eta(start, i + 1, items.size()), "features");
        }

        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            order.add(i);
        }
        java.util.Collections.shuffle(order, new Random(seed));
        int nEval = items.size() >= 10 ? Math.max(1, (int) Math.round(items.size() * 0.1)) : 0;
        int[] evalIdx = order.subList(0, nEval).stream().mapToInt(Integer::intValue).toArray();
        int[] trainIdx = order.subList(nEval, order.size()).stream().mapToInt(Integer::intValue).toArray();

        SoftmaxModel model = new SoftmaxModel(classes, mean(x, trainIdx), std(x, trainIdx));
        double[][] z = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            z[i] = model.standardize(x[i]);
        }
        Trainer trainer = new Trainer(model, z, y, trainIdx, evalIdx, spec, seed);
        TrainResult result;
        try (TrainerLog log = new TrainerLog(out.resolve("trainer_log.jsonl"))) {
            result = trainer.train(ctx, log);
        }
        Path modelFile = out.resolve("model.json");
        model.save(modelFile);
        Map<String, Object> tr = new LinkedHashMap<>();
        tr.put("epoch", result.epochs());
        tr.put("total_flos", 0);
        tr.put("train_loss", result.meanLoss());
        tr.put("train_runtime", result.seconds());
        tr.put("train_samples_per_second", trainIdx.length * result.epochs() / Math.max(1e-9, result.seconds()));
        tr.put("train_steps_per_second", result.steps() / Math.max(1e-9, result.seconds()));
        tr.put("train_accuracy", result.trainAccuracy());
        if (nEval > 0) {
            tr.put("eval_loss", result.evalLoss());
            tr.put("eval_accuracy", result.evalAccuracy());
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("train_results.json").toFile(), tr);
        r.artifact(modelFile, "model.json", "model");
        r.artifact(out.resolve("trainer_log.jsonl"), "trainer_log.jsonl", "log");
        r.artifact(out.resolve("train_results.json"), "train_results.json", "metrics");
        Map<String, Double> summary = new LinkedHashMap<>();
        summary.put("train_loss", result.meanLoss());
        summary.put("final_loss", result.finalLoss());
        summary.put("accuracy", result.trainAccuracy());
        summary.put("steps", (double) result.steps());
        summary.put("epoch", result.epochs());
        if (nEval > 0) {
            summary.put("eval_loss", result.evalLoss());
            summary.put("eval_accuracy", result.evalAccuracy());
        }
        return new EngineOutcome(String.format("trained %d classes on %d images for %d steps: train accuracy %.3f%s",
                classes.size(), trainIdx.length, result.steps(), result.trainAccuracy(),
                nEval > 0 ? String.format(", eval accuracy %.3f", result.evalAccuracy()) : ""), summary);
    }

    private static long seed(FineTuneSpec spec) {
        String s = spec.overrides().get("seed");
        if (s == null) {
            return 42;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new JobRejectedException("spec.overrides.seed must be an integer, got '" + s + "'");
        }
    }

    private static double[] mean(double[][] x, int[] idx) {
        double[] m = new double[x[0].length];
        for (int i : idx) {
            for (int j = 0; j < m.length; j++) {
                m[j] += x[i][j] / idx.length;
            }
        }
        return m;
    }

    private static double[] std(double[][] x, int[] idx) {
        double[] m = mean(x, idx);
        double[] s = new double[m.length];
        for (int i : idx) {
            for (int j = 0; j < m.length; j++) {
                s[j] += (x[i][j] - m[j]) * (x[i][j] - m[j]) / idx.length;
            }
        }
        for (int j = 0; j < s.length; j++) {
            s[j] = Math.max(1e-6, Math.sqrt(s[j]));
        }
        return s;
    }

    /** What a training run ended with. */
    record TrainResult(long steps, double epochs, double meanLoss, double finalLoss, double trainAccuracy,
                       double evalLoss, double evalAccuracy, double seconds) {
    }
}
