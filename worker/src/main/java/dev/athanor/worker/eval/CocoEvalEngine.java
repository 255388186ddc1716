package dev.athanor.worker.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.worker.engine.Engine;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.EngineOutcome;
import dev.athanor.worker.engine.JobRejectedException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code EVALUATION engine=coco}: COCO bbox mAP of {@code predictionsFile} (a COCO results list) against
 * {@code groundTruthFile} (a COCO dataset) with {@link CocoEval}. Writes {@code outputDir/report.json} with the 12
 * summary numbers and AP per category; the RESULT summary holds mAP50-95, AP50 and AP75.
 */
public final class CocoEvalEngine implements Engine {
    private static final ObjectMapper JSON = Json.lenient();

    @Override
    public String name() {
        return "coco";
    }

    @Override
    public EngineOutcome run(EngineContext ctx) throws IOException {
        EvaluationSpec spec = ctx.spec(EvaluationSpec.class);
        if (spec.predictionsFile() == null || spec.predictionsFile().isBlank()) {
            throw new JobRejectedException("coco evaluation needs spec.predictionsFile (a COCO results JSON list)");
        }
        Path gtFile = ctx.resolve(spec.groundTruthFile());
        Path dtFile = ctx.resolve(spec.predictionsFile());
        JsonNode gt = readJson(gtFile);
        JsonNode dt = readJson(dtFile);
        ctx.cancellation().throwIfCancelled();
        ctx.reporter().progress(0, 1, -1, "evaluating");
        CocoEval.Result result;
        try {
            result = CocoEval.evaluate(gt, dt);
        } catch (IllegalArgumentException e) {
            throw new EngineException("cannot evaluate " + dtFile + " against " + gtFile + ": " + e.getMessage(), e);
        }
        ctx.reporter().progress(1, 1, 0, "evaluating");
        Map<String, Double> named = result.named();
        Map<String, String> catNames = new LinkedHashMap<>();
        gt.get("categories").forEach(c -> catNames.put(c.path("id").asText(), c.path("name").asText()));
        Map<String, Double> perCat = new LinkedHashMap<>();
        result.perCategoryAp().forEach((id, ap) -> perCat.put(catNames.getOrDefault(String.valueOf(id),
                String.valueOf(id)), ap));
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("engine", "coco");
        report.put("iouType", "bbox");
        report.put("groundTruth", gtFile.toString());
        report.put("detections", dtFile.toString());
        report.put("images", result.images());
        report.put("groundTruthAnnotations", result.groundTruths());
        report.put("detectionCount", result.detections());
        report.put("stats", named);
        report.put("perCategoryAP", perCat);
        Path out = ctx.resolve(spec.outputDir());
        Files.createDirectories(out);
        Path reportFile = out.resolve("report.json");
        JSON.writerWithDefaultPrettyPrinter().writeValue(reportFile.toFile(), report);
        ctx.reporter().artifact(reportFile, "report.json", "report");
        ctx.reporter().metrics(1, named);
        Map<String, Double> headline = new LinkedHashMap<>();
        headline.put("mAP50-95", named.get("mAP50-95"));
        headline.put("AP50", named.get("AP50"));
        headline.put("AP75", named.get("AP75"));
        return new EngineOutcome(String.format("mAP50-95 %.4f, AP50 %.4f, AP75 %.4f on %d images", named.get("mAP50-95"),
                named.get("AP50"), named.get("AP75"), result.images()), headline);
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new EngineException(file + " does not exist");
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new EngineException(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }
}
