package dev.athanor.worker.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;
import dev.athanor.worker.engine.Reporter;
import dev.athanor.worker.finetune.ImageFeatures;
import dev.athanor.worker.finetune.SoftmaxModel;
import dev.athanor.worker.util.Images;
import dev.athanor.worker.util.LabelledImages;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code EVALUATION engine=classification}: scores a builtin fine-tune model ({@code modelPath}: model.json or its
 * directory) on the images of {@code groundTruthFile} (JSONL image, label), or compares a {@code predictionsFile}
 * (JSONL image, label: e.g. a labeling job's output) with it. Predictions are matched to ground truth by image path,
 * then by file name; a missing prediction counts as "unknown". Writes {@code outputDir/report.json} with accuracy,
 * macro precision/recall/F1, per-class figures and the confusion matrix.
 */
public final class ClassificationEvalEngine implements Engine {
    static final String MISSING = "unknown";
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "classification";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException {
        EvaluationSpec spec = ctx.spec(EvaluationSpec.class);
        boolean hasModel = spec.modelPath() != null && !spec.modelPath().isBlank();
        boolean hasPreds = spec.predictionsFile() != null && !spec.predictionsFile().isBlank();
        if (hasModel == hasPreds) {
            throw new JobRejectedException("classification evaluation needs exactly one of spec.modelPath or "
                    + "spec.predictionsFile");
        }
        Path base = spec.datasetDir() == null || spec.datasetDir().isBlank() ? null : ctx.resolve(spec.datasetDir());
        List<LabelledImages.Item> truth = LabelledImages.read(ctx.resolve(spec.groundTruthFile()), base);
        if (truth.isEmpty()) {
            throw new EngineException("ground truth " + spec.groundTruthFile() + " is empty");
        }
        Reporter r = ctx.reporter();
        List<String> predicted = new ArrayList<>();
        int missing = 0;
        String source;
        long start = System.nanoTime();
        if (hasModel) {
            Path modelPath = ctx.resolve(spec.modelPath());
            SoftmaxModel model = SoftmaxModel.load(modelPath);
            source = "model " + modelPath;
            for (int i = 0; i < truth.size(); i++) {
                ctx.cancellation().throwIfCancelled();
                predicted.add(model.predict(ImageFeatures.extract(Images.readRgb(truth.get(i).file()))));
                r.progress(i + 1, truth.size(), Reporter.eta(start, i + 1, truth.size()), "scoring");
            }
        } else {
            Path predFile = ctx.resolve(spec.predictionsFile());
            source = "predictions " + predFile;
            Map<String, String> byImage = new HashMap<>();
            Map<String, String> byName = new HashMap<>();
            for (LabelledImages.Item p : LabelledImages.read(predFile, base)) {
                byImage.put(p.image(), p.label());
                byName.put(p.file().getFileName().toString(), p.label());
            }
            for (LabelledImages.Item t : truth) {
                String p = byImage.get(t.image());
                if (p == null) {
                    p = byName.get(t.file().getFileName().toString());
                }
                if (p == null) {
                    missing++;
                    p = MISSING;
                }
                predicted.add(p);
            }
            r.progress(truth.size(), truth.size(), 0, "scoring");
        }
        ClassificationMetrics m = ClassificationMetrics.compute(truth.stream().map(LabelledImages.Item::label).toList(),
                predicted);
        Path out = ctx.resolve(spec.outputDir());
        Files.createDirectories(out);
        Path report = out.resolve("report.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(report.toFile(), report(m, source, missing));
        r.artifact(report, "report.json", "report");
        Map<String, Double> headline = new LinkedHashMap<>();
        headline.put("accuracy", m.accuracy());
        headline.put("macro_precision", m.macroPrecision());
        headline.put("macro_recall", m.macroRecall());
        headline.put("macro_f1", m.macroF1());
        headline.put("images", (double) m.count());
        headline.put("missing_predictions", (double) missing);
        r.metrics(m.count(), headline);
        return new EngineOutcome(String.format("accuracy %.4f, macro F1 %.4f on %d images (%s)", m.accuracy(),
                m.macroF1(), m.count(), source), headline);
    }

    private static Map<String, Object> report(ClassificationMetrics m, String source, int missing) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("engine", "classification");
        r.put("source", source);
        r.put("images", m.count());
        r.put("missing_predictions", missing);
        r.put("accuracy", m.accuracy());
        r.put("macro", Map.of("precision", m.macroPrecision(), "recall", m.macroRecall(), "f1", m.macroF1()));
        Map<String, Object> per = new LinkedHashMap<>();
        m.perClass().forEach((k, v) -> per.put(k, Map.of("precision", v.precision(), "recall", v.recall(),
                "f1", v.f1(), "support", v.support())));
        r.put("per_class", per);
        r.put("labels", m.labels());
        r.put("confusion_matrix", m.confusion());
        return r;
    }
}
