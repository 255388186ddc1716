package dev.athanor.worker.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.json.Json;
import dev.athanor.worker.util.Images;

import java.awt.image.BufferedImage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates a small, deterministic demo dataset: {@code count} 64×64 PNGs, each a noisy coloured shape (rectangle or
 * ellipse) on a noisy grey background, the colour from a palette of four classes (red, green, blue, yellow). Writes
 * <ul>
 *   <li>{@code images/img_NNNN.png}</li>
 *   <li>{@code labels.jsonl}: {@code {"image":"images/img_NNNN.png","label":"red"}} (ground truth, paths relative to
 *   the file)</li>
 *   <li>{@code coco_gt.json}: COCO ground truth with one box per image (category = colour)</li>
 *   <li>{@code coco_detections.json}: simulated detector output for it (jittered boxes, some wrong classes, some misses,
 *   some low-score false positives)</li>
 * </ul>
 * Usage: {@code java -cp athanor-worker.jar dev.athanor.worker.demo.DemoDataset OUT_DIR [COUNT [SEED]]}.
 */
public final class DemoDataset {
    public static final List<String> CLASSES = List.of("red", "green", "blue", "yellow");
    public static final int SIZE = 64;
    private static final int[][] PALETTE = {{220, 40, 40}, {40, 180, 60}, {40, 70, 220}, {230, 210, 40}};
    private static final ObjectMapper JSON = Json.lenient();

    private DemoDataset() {
    }

    /**
     * Where the generated files are.
     *
     * @param root the output directory
     */
    public record Layout(Path root, Path imagesDir, Path labelsFile, Path cocoGroundTruth, Path cocoDetections,
                         int count) {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: DemoDataset OUT_DIR [COUNT [SEED]]");
            System.exit(2);
        }
        int count = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 7;
        Layout l = generate(Path.of(args[0]), count, seed);
        System.out.println("wrote " + l.count() + " images to " + l.imagesDir() + ", labels " + l.labelsFile()
                + ", COCO " + l.cocoGroundTruth() + " / " + l.cocoDetections());
    }

    public static Layout generate(Path outDir, int count, long seed) throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        Path images = Files.createDirectories(outDir.resolve("images"));
        SplittableRandom rnd = new SplittableRandom(seed);
        ObjectNode gt = JSON.createObjectNode();
        ArrayNode gtImages = gt.putArray("images");
        ArrayNode anns = gt.putArray("annotations");
        ArrayNode cats = gt.putArray("categories");
        for (int c = 0; c < CLASSES.size(); c++) {
            cats.addObject().put("id", c + 1).put("name", CLASSES.get(c));
        }
        ArrayNode dets = JSON.createArrayNode();
        Path labels = outDir.resolve("labels.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(labels, StandardCharsets.UTF_8)) {
            for (int i = 0; i < count; i++) {
                int cls = i % CLASSES.size();
                int[] box = new int[4];
                BufferedImage img = draw(rnd, PALETTE[cls], box);
                String rel = String.format("images/img_%04d.png", i);
                Images.write(img, outDir.resolve(rel));
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("image", rel);
                line.put("label", CLASSES.get(cls));
                w.write(JSON.writeValueAsString(line));
                w.write('\n');
                gtImages.addObject().put("id", i + 1).put("file_name", rel).put("width", SIZE).put("height", SIZE);
                ObjectNode a = anns.addObject().put("id", i + 1).put("image_id", i + 1).put("category_id", cls + 1);
                a.putArray("bbox").add(box[0]).add(box[1]).add(box[2]).add(box[3]);
                a.put("area", box[2] * box[3]).put("iscrowd", 0);
                simulateDetections(rnd, i + 1, cls + 1, box, dets);
            }
        }
        Path gtFile = outDir.resolve("coco_gt.json");
        Path dtFile = outDir.resolve("coco_detections.json");
        JSON.writeValue(gtFile.toFile(), gt);
        JSON.writeValue(dtFile.toFile(), dets);
        return new Layout(outDir, images, labels, gtFile, dtFile, count);
    }

    private static BufferedImage draw(SplittableRandom rnd, int[] colour, int[] box) {
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        int bg = 80 + rnd.nextInt(100);
        int w = 22 + rnd.nextInt(19);
        int h = 22 + rnd.nextInt(19);
        int x0 = rnd.nextInt(SIZE - w + 1);
        int y0 = rnd.nextInt(SIZE - h + 1);
        boolean ellipse = rnd.nextBoolean();
        int[] tint = {rnd.nextInt(31) - 15, rnd.nextInt(31) - 15, rnd.nextInt(31) - 15};
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                boolean inside = x >= x0 && x < x0 + w && y >= y0 && y < y0 + h;
                if (inside && ellipse) {
                    double dx = (x + 0.5 - x0 - w / 2.0) / (w / 2.0);
                    double dy = (y + 0.5 - y0 - h / 2.0) / (h / 2.0);
                    inside = dx * dx + dy * dy <= 1;
                }
                int r;
                int g;
                int b;
                if (inside) {
                    r = colour[0] + tint[0] + noise(rnd, 8);
                    g = colour[1] + tint[1] + noise(rnd, 8);
                    b = colour[2] + tint[2] + noise(rnd, 8);
                } else {
                    int v = bg + noise(rnd, 6);
                    r = v + noise(rnd, 3);
                    g = v + noise(rnd, 3);
                    b = v + noise(rnd, 3);
                }
                img.setRGB(x, y, (clamp(r) << 16) | (clamp(g) << 8) | clamp(b));
            }
        }
        box[0] = x0;
        box[1] = y0;
        box[2] = w;
        box[3] = h;
        return img;
    }

    private static void simulateDetections(SplittableRandom rnd, int imageId, int category, int[] box, ArrayNode dets) {
        double p = rnd.nextDouble();
        if (p >= 0.05) {
            boolean right = p < 0.90;
            int cat = right ? category : 1 + (category % CLASSES.size());
            ObjectNode d = dets.addObject().put("image_id", imageId).put("category_id", cat);
            d.putArray("bbox").add(box[0] + rnd.nextInt(5) - 2).add(box[1] + rnd.nextInt(5) - 2)
                    .add(box[2] + rnd.nextInt(5) - 2).add(box[3] + rnd.nextInt(5) - 2);
            d.put("score", round(right ? 0.6 + rnd.nextDouble() * 0.39 : 0.3 + rnd.nextDouble() * 0.3));
        }
        if (rnd.nextDouble() < 0.2) {
            int w = 8 + rnd.nextInt(16);
            int h = 8 + rnd.nextInt(16);
            ObjectNode d = dets.addObject().put("image_id", imageId).put("category_id", 1 + rnd.nextInt(CLASSES.size()));
            d.putArray("bbox").add(rnd.nextInt(SIZE - w)).add(rnd.nextInt(SIZE - h)).add(w).add(h);
            d.put("score", round(0.05 + rnd.nextDouble() * 0.35));
        }
    }

    private static int noise(SplittableRandom rnd, int sigma) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return (int) Math.round(Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2) * sigma);
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
