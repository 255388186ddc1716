package dev.athanor.worker.finetune;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.athanor.common.json.Json;
import dev.athanor.worker.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A multinomial logistic regression over standardized {@link ImageFeatures}: {@code p = softmax(W·z + b)} with
 * {@code z = (x - mean) / std}. Saved as {@code model.json} (format {@value #FORMAT}).
 */
public final class SoftmaxModel {
    public static final String FORMAT = "athanor-softmax-v1";
    private static final ObjectMapper JSON = Json.lenient();

    final List<String> classes;
    final double[] mean;
    final double[] std;
    final double[][] w;
    final double[] b;

    public SoftmaxModel(List<String> classes, double[] mean, double[] std) {
        this.classes = List.copyOf(classes);
        this.mean = mean;
        this.std = std;
        this.w = new double[classes.size()][mean.length];
        this.b = new double[classes.size()];
    }

    public List<String> classes() {
        return classes;
    }

    public double[] standardize(double[] x) {
        double[] z = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            z[i] = (x[i] - mean[i]) / std[i];
        }
        return z;
    }

    /** Class probabilities for standardized features. */
    public double[] probabilities(double[] z) {
        double[] logits = new double[classes.size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int k = 0; k < logits.length; k++) {
            double s = b[k];
            for (int i = 0; i < z.length; i++) {
                s += w[k][i] * z[i];
            }
            logits[k] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int k = 0; k < logits.length; k++) {
            logits[k] = Math.exp(logits[k] - max);
            sum += logits[k];
        }
        for (int k = 0; k < logits.length; k++) {
            logits[k] /= sum;
        }
        return logits;
    }

    /** The most probable class for raw (not yet standardized) features. */
    public String predict(double[] rawFeatures) {
        double[] p = probabilities(standardize(rawFeatures));
        int best = 0;
        for (int k = 1; k < p.length; k++) {
            if (p[k] > p[best]) {
                best = k;
            }
        }
        return classes.get(best);
    }

    public void save(Path file) throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.putPOJO("classes", classes);
        ObjectNode f = root.putObject("features");
        f.put("name", ImageFeatures.NAME);
        f.put("size", mean.length);
        f.put("rgbBins", ImageFeatures.RGB_BINS);
        f.put("hueBins", ImageFeatures.HUE_BINS);
        root.putPOJO("mean", mean);
        root.putPOJO("std", std);
        root.putPOJO("weights", w);
        root.putPOJO("bias", b);
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    /** Loads {@code model.json}, or the {@code model.json} inside a directory. */
    public static SoftmaxModel load(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("model.json") : path;
        try {
            JsonNode root = JSON.readTree(file.toFile());
            if (!FORMAT.equals(root.path("format").asText())) {
                throw new EngineException(file + " is not an " + FORMAT + " model (format '" + root.path("format").asText()
                        + "')");
            }
            if (!ImageFeatures.NAME.equals(root.path("features").path("name").asText())) {
                throw new EngineException(file + " uses features '" + root.path("features").path("name").asText()
                        + "', this worker computes '" + ImageFeatures.NAME + "'");
            }
            List<String> classes = new ArrayList<>();
            root.get("classes").forEach(c -> classes.add(c.asText()));
            SoftmaxModel m = new SoftmaxModel(classes, JSON.treeToValue(root.get("mean"), double[].class),
                    JSON.treeToValue(root.get("std"), double[].class));
            double[][] w = JSON.treeToValue(root.get("weights"), double[][].class);
            double[] b = JSON.treeToValue(root.get("bias"), double[].class);
            for (int k = 0; k < classes.size(); k++) {
                System.arraycopy(w[k], 0, m.w[k], 0, m.mean.length);
            }
            System.arraycopy(b, 0, m.b, 0, classes.size());
            return m;
        } catch (IOException | RuntimeException e) {
            if (e instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException("cannot load model " + file + ": " + e.getMessage(), e);
        }
    }
}
