package dev.athanor.worker.eval;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A port of pycocotools' {@code COCOeval} for {@code iouType="bbox"} (cocoapi PythonAPI/pycocotools/cocoeval.py):
 * IoU thresholds .50:.05:.95, 101 recall thresholds, maxDets 1/10/100, area ranges all/small/medium/large, crowd
 * regions matched with union = detection area and never counted as false positives, greedy matching by descending
 * score, precision made monotone and sampled at the recall thresholds. {@link Result#stats()} has the 12 numbers of
 * {@code COCOeval.summarize()} in the same order.
 */
public final class CocoEval {
    static final String[] AREA_NAMES = {"all", "small", "medium", "large"};
    static final double[][] AREA_RANGES = {{0, 1e10}, {0, 32 * 32}, {32 * 32, 96 * 96}, {96 * 96, 1e10}};
    static final int[] MAX_DETS = {1, 10, 100};
    static final double[] IOU_THRS = linspace(0.5, 0.95, 10);
    static final double[] REC_THRS = linspace(0.0, 1.0, 101);
    /** The names of {@link Result#stats()}, as printed by summarize(). */
    public static final List<String> STAT_NAMES = List.of("mAP50-95", "AP50", "AP75", "AP_small", "AP_medium",
            "AP_large", "AR1", "AR10", "AR100", "AR_small", "AR_medium", "AR_large");

    private CocoEval() {
    }

    /** A ground-truth annotation or a detection. */
    record Ann(long id, long imageId, long categoryId, double x, double y, double w, double h, double area,
               boolean crowd, double score) {
    }

    /**
     * The outcome.
     *
     * @param stats         the 12 summary numbers (-1 where undefined)
     * @param perCategoryAp AP@[.5:.95] per category id (-1 for categories without ground truth)
     */
    public record Result(double[] stats, Map<Long, Double> perCategoryAp, int images, int groundTruths,
                         int detections) {
        public Map<String, Double> named() {
            Map<String, Double> m = new LinkedHashMap<>();
            for (int i = 0; i < STAT_NAMES.size(); i++) {
                m.put(STAT_NAMES.get(i), stats[i]);
            }
            return m;
        }
    }

    /** One (image, category) evaluation at one area range. */
    private record EvalImg(double[] dtScores, boolean[][] dtMatched, boolean[][] dtIgnore, boolean[] gtIgnore) {
    }

    /**
     * @param gt         a COCO dataset (images, annotations, categories)
     * @param detections a COCO results list: {@code [{"image_id","category_id","bbox":[x,y,w,h],"score"}]}
     * @throws IllegalArgumentException for malformed input or detections on images not in the ground truth
     */
    public static Result evaluate(JsonNode gt, JsonNode detections) {
        TreeSet<Long> imgIds = new TreeSet<>();
        for (JsonNode img : required(gt, "images")) {
            imgIds.add(img.path("id").asLong());
        }
        TreeSet<Long> catIds = new TreeSet<>();
        for (JsonNode c : required(gt, "categories")) {
            catIds.add(c.path("id").asLong());
        }
        Map<String, List<Ann>> gts = new HashMap<>();
        int nGt = 0;
        for (JsonNode a : required(gt, "annotations")) {
            double[] bb = bbox(a);
            Ann ann = new Ann(a.path("id").asLong(), a.path("image_id").asLong(), a.path("category_id").asLong(),
                    bb[0], bb[1], bb[2], bb[3], a.has("area") ? a.get("area").asDouble() : bb[2] * bb[3],
                    a.path("iscrowd").asInt(0) != 0, 0);
            if (imgIds.contains(ann.imageId()) && catIds.contains(ann.categoryId())) {
                gts.computeIfAbsent(key(ann.imageId(), ann.categoryId()), k -> new ArrayList<>()).add(ann);
                nGt++;
            }
        }
        if (detections == null || !detections.isArray()) {
            throw new IllegalArgumentException("detections must be a JSON list of results");
        }
        Map<String, List<Ann>> dts = new HashMap<>();
        Set<Long> detImages = new HashSet<>();
        int id = 0;
        int nDt = 0;
        for (JsonNode d : detections) {
            double[] bb = bbox(d);
            if (!d.path("score").isNumber()) {
                throw new IllegalArgumentException("each detection needs a numeric score");
            }
            Ann ann = new Ann(++id, d.path("image_id").asLong(), d.path("category_id").asLong(), bb[0], bb[1], bb[2],
                    bb[3], bb[2] * bb[3], false, d.get("score").asDouble());
            detImages.add(ann.imageId());
            if (catIds.contains(ann.categoryId())) {
                dts.computeIfAbsent(key(ann.imageId(), ann.categoryId()), k -> new ArrayList<>()).add(ann);
                nDt++;
            }
        }
        if (!imgIds.containsAll(detImages)) {
            throw new IllegalArgumentException("Results do not correspond to current coco set: detections name images "
                    + "that are not in the ground truth");
        }

        List<Long> imgs = new ArrayList<>(imgIds);
        List<Long> cats = new ArrayList<>(catIds);
        int T = IOU_THRS.length;
        int R = REC_THRS.length;
        int K = cats.size();
        int A = AREA_RANGES.length;
        int M = MAX_DETS.length;
        int maxDet = MAX_DETS[M - 1];
        // evalImgs[k][a][i]
        EvalImg[][][] evalImgs = new EvalImg[K][A][imgs.size()];
        for (int k = 0; k < K; k++) {
            for (int i = 0; i < imgs.size(); i++) {
                String key = key(imgs.get(i), cats.get(k));
                List<Ann> g = gts.getOrDefault(key, List.of());
                List<Ann> d = new ArrayList<>(dts.getOrDefault(key, List.of()));
                if (g.isEmpty() && d.isEmpty()) {
                    continue;
                }
                d.sort(Comparator.comparingDouble(a -> -a.score())); // stable, like mergesort
                if (d.size() > maxDet) {
                    d = d.subList(0, maxDet);
                }
                double[][] ious = iou(d, g);
                for (int a = 0; a < A; a++) {
                    evalImgs[k][a][i] = evaluateImg(d, g, ious, AREA_RANGES[a], maxDet);
                }
            }
        }

        double[][][][][] precision = new double[T][R][K][A][M];
        double[][][][] recall = new double[T][K][A][M];
        fill(precision, recall);
        for (int k = 0; k < K; k++) {
            for (int a = 0; a < A; a++) {
                for (int m = 0; m < M; m++) {
                    accumulate(evalImgs[k][a], MAX_DETS[m], precision, recall, k, a, m);
                }
            }
        }

        double[] stats = {
                summarize(precision, recall, true, -1, 0, 2), summarize(precision, recall, true, 0, 0, 2),
                summarize(precision, recall, true, 5, 0, 2), summarize(precision, recall, true, -1, 1, 2),
                summarize(precision, recall, true, -1, 2, 2), summarize(precision, recall, true, -1, 3, 2),
                summarize(precision, recall, false, -1, 0, 0), summarize(precision, recall, false, -1, 0, 1),
                summarize(precision, recall, false, -1, 0, 2), summarize(precision, recall, false, -1, 1, 2),
                summarize(precision, recall, false, -1, 2, 2), summarize(precision, recall, false, -1, 3, 2)};
        Map<Long, Double> perCat = new LinkedHashMap<>();
        for (int k = 0; k < K; k++) {
            double sum = 0;
            int n = 0;
            for (int t = 0; t < T; t++) {
                for (int r = 0; r < R; r++) {
                    double v = precision[t][r][k][0][M - 1];
                    if (v > -1) {
                        sum += v;
                        n++;
                    }
                }
            }
            perCat.put(cats.get(k), n == 0 ? -1 : sum / n);
        }
        return new Result(stats, perCat, imgs.size(), nGt, nDt);
    }

    /** IoU of each detection with each gt ([D][G]); for a crowd gt the union is the detection's area. */
    static double[][] iou(List<Ann> d, List<Ann> g) {
        double[][] o = new double[d.size()][g.size()];
        for (int j = 0; j < g.size(); j++) {
            Ann gb = g.get(j);
            double ga = gb.w() * gb.h();
            for (int i = 0; i < d.size(); i++) {
                Ann db = d.get(i);
                double da = db.w() * db.h();
                double w = Math.min(db.x() + db.w(), gb.x() + gb.w()) - Math.max(db.x(), gb.x());
                if (w <= 0) {
                    continue;
                }
                double h = Math.min(db.y() + db.h(), gb.y() + gb.h()) - Math.max(db.y(), gb.y());
                if (h <= 0) {
                    continue;
                }
                double inter = w * h;
                double union = gb.crowd() ? da : da + ga - inter;
                o[i][j] = inter / union;
            }
        }
        return o;
    }

    /** cocoeval.py evaluateImg: dt already sorted by score and cut to maxDets[-1]. */
    private static EvalImg evaluateImg(List<Ann> dtAll, List<Ann> gtIn, double[][] iousIn, double[] rng, int maxDet) {
        int G = gtIn.size();
        boolean[] ignoreIn = new boolean[G];
        for (int j = 0; j < G; j++) {
            Ann g = gtIn.get(j);
            ignoreIn[j] = g.crowd() || g.area() < rng[0] || g.area() > rng[1];
        }
        // stable sort: non-ignored gts first
        List<Integer> gtind = new ArrayList<>();
        for (int j = 0; j < G; j++) {
            if (!ignoreIn[j]) {
                gtind.add(j);
            }
        }
        for (int j = 0; j < G; j++) {
            if (ignoreIn[j]) {
                gtind.add(j);
            }
        }
        int D = Math.min(dtAll.size(), maxDet);
        int T = IOU_THRS.length;
        boolean[] gtIg = new boolean[G];
        boolean[] crowd = new boolean[G];
        for (int j = 0; j < G; j++) {
            gtIg[j] = ignoreIn[gtind.get(j)];
            crowd[j] = gtIn.get(gtind.get(j)).crowd();
        }
        boolean[][] gtm = new boolean[T][G];
        boolean[][] dtm = new boolean[T][D];
        boolean[][] dtIg = new boolean[T][D];
        if (D > 0 && G > 0) {
            for (int t = 0; t < T; t++) {
                for (int d = 0; d < D; d++) {
                    double iou = Math.min(IOU_THRS[t], 1 - 1e-10);
                    int m = -1;
                    for (int j = 0; j < G; j++) {
                        if (gtm[t][j] && !crowd[j]) {
                            continue;
                        }
                        if (m > -1 && !gtIg[m] && gtIg[j]) {
                            break;
                        }
                        double v = iousIn[d][gtind.get(j)];
                        if (v < iou) {
                            continue;
                        }
                        iou = v;
                        m = j;
                    }
                    if (m == -1) {
                        continue;
                    }
                    dtIg[t][d] = gtIg[m];
                    dtm[t][d] = true;
                    gtm[t][m] = true;
                }
            }
        }
        double[] scores = new double[D];
        for (int d = 0; d < D; d++) {
            Ann a = dtAll.get(d);
            scores[d] = a.score();
            boolean outOfRange = a.area() < rng[0] || a.area() > rng[1];
            for (int t = 0; t < T; t++) {
                if (!dtm[t][d] && outOfRange) {
                    dtIg[t][d] = true;
                }
            }
        }
        return new EvalImg(scores, dtm, dtIg, gtIg);
    }

    /** cocoeval.py accumulate for one (category, area, maxDet). */
    private static void accumulate(EvalImg[] perImage, int maxDet, double[][][][][] precision, double[][][][] recall,
                                   int k, int a, int m) {
        List<EvalImg> E = new ArrayList<>();
        for (EvalImg e : perImage) {
            if (e != null) {
                E.add(e);
            }
        }
        if (E.isEmpty()) {
            return;
        }
        List<double[]> dets = new ArrayList<>(); // {score, imageIndex, detIndex}
        int npig = 0;
        for (int ei = 0; ei < E.size(); ei++) {
            EvalImg e = E.get(ei);
            for (int d = 0; d < Math.min(maxDet, e.dtScores().length); d++) {
                dets.add(new double[]{e.dtScores()[d], ei, d});
            }
            for (boolean ig : e.gtIgnore()) {
                if (!ig) {
                    npig++;
                }
            }
        }
        if (npig == 0) {
            return;
        }
        dets.sort(Comparator.comparingDouble(x -> -x[0])); // stable
        int nd = dets.size();
        for (int t = 0; t < IOU_THRS.length; t++) {
            double[] rc = new double[nd];
            double[] pr = new double[nd];
            double tp = 0;
            double fp = 0;
            for (int i = 0; i < nd; i++) {
                EvalImg e = E.get((int) dets.get(i)[1]);
                int d = (int) dets.get(i)[2];
                boolean matched = e.dtMatched()[t][d];
                boolean ignored = e.dtIgnore()[t][d];
                if (matched && !ignored) {
                    tp++;
                } else if (!matched && !ignored) {
                    fp++;
                }
                rc[i] = tp / npig;
                pr[i] = tp / (fp + tp + Math.ulp(1.0));
            }
            recall[t][k][a][m] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--) {
                if (pr[i] > pr[i - 1]) {
                    pr[i - 1] = pr[i];
                }
            }
            int idx = 0;
            for (int r = 0; r < REC_THRS.length; r++) {
                while (idx < nd && rc[idx] < REC_THRS[r]) {
                    idx++;
                }
                precision[t][r][k][a][m] = idx < nd ? pr[idx] : 0;
            }
        }
    }

    private static double summarize(double[][][][][] precision, double[][][][] recall, boolean ap, int iouIndex,
                                    int areaIndex, int maxDetIndex) {
        double sum = 0;
        int n = 0;
        for (int t = 0; t < IOU_THRS.length; t++) {
            if (iouIndex >= 0 && t != iouIndex) {
                continue;
            }
            int K = recall[t].length;
            for (int k = 0; k < K; k++) {
                if (ap) {
                    for (int r = 0; r < REC_THRS.length; r++) {
                        double v = precision[t][r][k][areaIndex][maxDetIndex];
                        if (v > -1) {
                            sum += v;
                            n++;
                        }
                    }
                } else {
                    double v = recall[t][k][areaIndex][maxDetIndex];
                    if (v > -1) {
                        sum += v;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }

    private static void fill(double[][][][][] precision, double[][][][] recall) {
        for (double[][][][] a : precision) {
            for (double[][][] b : a) {
                for (double[][] c : b) {
                    for (double[] d : c) {
                        java.util.Arrays.fill(d, -1);
                    }
                }
            }
        }
        for (double[][][] a : recall) {
            for (double[][] b : a) {
                for (double[] c : b) {
                    java.util.Arrays.fill(c, -1);
                }
            }
        }
    }

    /** numpy.linspace(start, stop, num) with endpoint: {@code i * step + start}, the last value exactly stop. */
    static double[] linspace(double start, double stop, int num) {
        double step = (stop - start) / (num - 1);
        double[] v = new double[num];
        for (int i = 0; i < num; i++) {
            v[i] = i * step + start;
        }
        v[num - 1] = stop;
        return v;
    }

    private static JsonNode required(JsonNode gt, String field) {
        JsonNode n = gt == null ? null : gt.get(field);
        if (n == null || !n.isArray()) {
            throw new IllegalArgumentException("COCO ground truth needs a '" + field + "' list");
        }
        return n;
    }

    private static double[] bbox(JsonNode a) {
        JsonNode b = a.get("bbox");
        if (b == null || !b.isArray() || b.size() != 4) {
            throw new IllegalArgumentException("each annotation/detection needs bbox [x, y, w, h]");
        }
        return new double[]{b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()};
    }

    private static String key(long img, long cat) {
        return img + ":" + cat;
    }
}
