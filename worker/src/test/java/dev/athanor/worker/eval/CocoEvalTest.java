package dev.athanor.worker.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.json.Json;
import dev.athanor.common.spec.EvaluationSpec;
import dev.athanor.worker.Fixture;
import dev.athanor.worker.demo.DemoDataset;
import dev.athanor.worker.engine.EngineOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class CocoEvalTest {
    static final double EPS = 1e-9;

    @TempDir
    Path tmp;

    /** Builds a ground truth with images 1..n and categories 1..k. */
    static ObjectNode gt(int images, int categories) {
        ObjectNode gt = Json.lenient().createObjectNode();
        ArrayNode imgs = gt.putArray("images");
        for (int i = 1; i <= images; i++) {
            imgs.addObject().put("id", i).put("width", 200).put("height", 200);
        }
        ArrayNode cats = gt.putArray("categories");
        for (int c = 1; c <= categories; c++) {
            cats.addObject().put("id", c).put("name", "c" + c);
        }
        gt.putArray("annotations");
        return gt;
    }

    static void ann(ObjectNode gt, int id, int image, int cat, double x, double y, double w, double h, boolean crowd) {
        ObjectNode a = ((ArrayNode) gt.get("annotations")).addObject();
        a.put("id", id).put("image_id", image).put("category_id", cat).put("area", w * h).put("iscrowd", crowd ? 1 : 0);
        a.putArray("bbox").add(x).add(y).add(w).add(h);
    }

    static void det(ArrayNode dets, int image, int cat, double x, double y, double w, double h, double score) {
        ObjectNode d = dets.addObject().put("image_id", image).put("category_id", cat).put("score", score);
        d.putArray("bbox").add(x).add(y).add(w).add(h);
    }

    @Test
    void perfectDetectionsScoreOne() {
        ObjectNode gt = gt(2, 2);
        ArrayNode dets = Json.lenient().createArrayNode();
        ann(gt, 1, 1, 1, 10, 10, 50, 40, false);
        ann(gt, 2, 1, 2, 100, 100, 20, 20, false);
        ann(gt, 3, 2, 1, 0, 0, 120, 110, false);
        det(dets, 1, 1, 10, 10, 50, 40, 0.9);
        det(dets, 1, 2, 100, 100, 20, 20, 0.8);
        det(dets, 2, 1, 0, 0, 120, 110, 0.7);
        double[] s = CocoEval.evaluate(gt, dets).stats();
        assertThat(s[0]).isCloseTo(1.0, within(EPS));
        assertThat(s[1]).isCloseTo(1.0, within(EPS));
        assertThat(s[2]).isCloseTo(1.0, within(EPS));
        assertThat(s[8]).isEqualTo(1.0);
        // one small (20x20), one medium (50x40), one large (120x110) object, each its own category/area cell
        assertThat(s[3]).isCloseTo(1.0, within(EPS));
        assertThat(s[4]).isCloseTo(1.0, within(EPS));
        assertThat(s[5]).isCloseTo(1.0, within(EPS));
    }

    @Test
    void findingOneOfTwoObjectsGivesHalfTheRecallPoints() {
        ObjectNode gt = gt(1, 1);
        ann(gt, 1, 1, 1, 10, 10, 40, 40, false);
        ann(gt, 2, 1, 1, 100, 100, 40, 40, false);
        ArrayNode dets = Json.lenient().createArrayNode();
        det(dets, 1, 1, 10, 10, 40, 40, 0.9);
        double[] s = CocoEval.evaluate(gt, dets).stats();
        // recall 0.5, precision 1: recall thresholds 0.00..0.50 (51 of 101) get precision 1
        assertThat(s[0]).isCloseTo(51 / 101.0, within(EPS));
        assertThat(s[1]).isCloseTo(51 / 101.0, within(EPS));
        assertThat(s[2]).isCloseTo(51 / 101.0, within(EPS));
        assertThat(s[8]).isCloseTo(0.5, within(EPS));
    }

    @Test
    void aHigherScoredFalsePositiveHalvesPrecision() {
        ObjectNode gt = gt(1, 1);
        ann(gt, 1, 1, 1, 10, 10, 40, 40, false);
        ArrayNode dets = Json.lenient().createArrayNode();
        det(dets, 1, 1, 120, 120, 40, 40, 0.9);
        det(dets, 1, 1, 10, 10, 40, 40, 0.8);
        double[] s = CocoEval.evaluate(gt, dets).stats();
        // cumulative: FP then TP -> rc [0, 1], pr [0, .5] -> made monotone [.5, .5] -> .5 at every recall threshold
        assertThat(s[0]).isCloseTo(0.5, within(EPS));
        assertThat(s[1]).isCloseTo(0.5, within(EPS));
    }

    @Test
    void aDetectionOnACrowdRegionIsIgnoredNotAFalsePositive() {
        ArrayNode dets = Json.lenient().createArrayNode();
        det(dets, 1, 1, 110, 110, 30, 30, 0.95); // inside the crowd box: IoU with crowd = inter / det area = 1
        det(dets, 1, 1, 10, 10, 40, 40, 0.9);
        ObjectNode withCrowd = gt(1, 1);
        ann(withCrowd, 1, 1, 1, 10, 10, 40, 40, false);
        ann(withCrowd, 2, 1, 1, 100, 100, 80, 80, true);
        assertThat(CocoEval.evaluate(withCrowd, dets).stats()[0]).isCloseTo(1.0, within(EPS));

        ObjectNode notCrowd = gt(1, 1);
        ann(notCrowd, 1, 1, 1, 10, 10, 40, 40, false);
        ann(notCrowd, 2, 1, 1, 100, 100, 80, 80, false);
        // now it is a false positive ranked first (IoU 900/6400 < .5) and the second object is missed
        double ap = CocoEval.evaluate(notCrowd, dets).stats()[1];
        assertThat(ap).isCloseTo(51 / 101.0 * 0.5, within(EPS));
    }

    @Test
    void iouDecidesAtWhichThresholdsADetectionCounts() {
        ObjectNode gt = gt(1, 1);
        ann(gt, 1, 1, 1, 0, 0, 10, 10, false);
        ArrayNode dets = Json.lenient().createArrayNode();
        det(dets, 1, 1, 0, 0, 10, 6.2, 0.9); // IoU 0.62: a match at .50, .55, .60 only
        double[] s = CocoEval.evaluate(gt, dets).stats();
        assertThat(s[0]).isCloseTo(0.3, within(EPS));
        assertThat(s[1]).isCloseTo(1.0, within(EPS));
        assertThat(s[2]).isEqualTo(0.0);
    }

    /**
     * A random case with crowds, area fields that differ from the box area, several categories (one without ground
     * truth), misses and false positives; expected numbers computed by pycocotools 2.0.11 (see oracle_stats.json).
     */
    @Test
    void matchesPycocotoolsOnARandomCase() throws Exception {
        var json = Json.lenient();
        JsonNode gt = json.readTree(getClass().getResource("/coco/oracle_gt.json"));
        JsonNode dt = json.readTree(getClass().getResource("/coco/oracle_dt.json"));
        JsonNode expected = json.readTree(getClass().getResource("/coco/oracle_stats.json")).get("stats");
        double[] s = CocoEval.evaluate(gt, dt).stats();
        for (int i = 0; i < 12; i++) {
            assertThat(s[i]).as(CocoEval.STAT_NAMES.get(i)).isCloseTo(expected.get(i).asDouble(), within(1e-12));
        }
    }

    /** The demo detections (200 images, seed 11), also checked against pycocotools 2.0.11. */
    @Test
    void matchesPycocotoolsOnTheDemoDetections() throws Exception {
        DemoDataset.Layout l = DemoDataset.generate(tmp.resolve("demo"), 200, 11);
        var json = Json.lenient();
        double[] s = CocoEval.evaluate(json.readTree(l.cocoGroundTruth().toFile()),
                json.readTree(l.cocoDetections().toFile())).stats();
        double[] expected = {0.5901148617669562, 0.8564356435643564, 0.74603019365975, 0.579523995502053,
                0.6078859965828516, -1.0, 0.6355000000000001, 0.6355000000000001, 0.6355000000000001,
                0.6318646771771772, 0.6448024198024198, -1.0};
        for (int i = 0; i < 12; i++) {
            assertThat(s[i]).as(CocoEval.STAT_NAMES.get(i)).isCloseTo(expected[i], within(1e-12));
        }
    }

    @Test
    void rejectsDetectionsOnUnknownImages() {
        ObjectNode gt = gt(1, 1);
        ann(gt, 1, 1, 1, 0, 0, 10, 10, false);
        ArrayNode dets = Json.lenient().createArrayNode();
        det(dets, 9, 1, 0, 0, 10, 10, 0.9);
        assertThatThrownBy(() -> CocoEval.evaluate(gt, dets)).hasMessageContaining("do not correspond");
    }

    @Test
    void engineWritesAReportForTheDemoDetections() throws Exception {
        DemoDataset.Layout l = DemoDataset.generate(tmp.resolve("data"), 40, 7);
        try (Fixture f = new Fixture()) {
            EngineOutcome o = new CocoEvalEngine().run(f.context(new EvaluationSpec("coco", null,
                    "data/coco_detections.json", "data/coco_gt.json", null, "out"), tmp));
            assertThat(o.summary()).containsKeys("mAP50-95", "AP50", "AP75");
            assertThat(o.summary().get("AP50")).isBetween(0.6, 1.0);
            assertThat(o.summary().get("mAP50-95")).isLessThan(o.summary().get("AP50"));
            JsonNode report = Json.lenient().readTree(tmp.resolve("out/report.json").toFile());
            assertThat(report.get("stats")).hasSize(12);
            assertThat(report.get("perCategoryAP").has("red")).isTrue();
            assertThat(l.count()).isEqualTo(40);
        }
    }
}
