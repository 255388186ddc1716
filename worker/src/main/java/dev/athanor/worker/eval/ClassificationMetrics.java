package dev.athanor.worker.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Accuracy, per-class and macro-averaged precision/recall/F1 and the confusion matrix of paired labels. Classes are the
 * sorted union of true and predicted labels; an undefined ratio (no predictions or no support) counts as 0, as in
 * scikit-learn's default.
 *
 * @param labels    class order of the matrix and the per-class map
 * @param confusion {@code confusion[t][p]}: images of true class t predicted as p
 */
public record ClassificationMetrics(int count, double accuracy, double macroPrecision, double macroRecall,
                                    double macroF1, List<String> labels, Map<String, PerClass> perClass,
                                    int[][] confusion) {

    /** One class's figures. */
    public record PerClass(double precision, double recall, double f1, int support) {
    }

    public static ClassificationMetrics compute(List<String> truth, List<String> predicted) {
        if (truth.size() != predicted.size()) {
            throw new IllegalArgumentException("truth and predictions differ in length");
        }
        TreeSet<String> set = new TreeSet<>(truth);
        set.addAll(predicted);
        List<String> labels = new ArrayList<>(set);
        int k = labels.size();
        int[][] cm = new int[k][k];
        int correct = 0;
        for (int i = 0; i < truth.size(); i++) {
            int t = labels.indexOf(truth.get(i));
            int p = labels.indexOf(predicted.get(i));
            cm[t][p]++;
            if (t == p) {
                correct++;
            }
        }
        Map<String, PerClass> per = new LinkedHashMap<>();
        double sp = 0;
        double sr = 0;
        double sf = 0;
        for (int c = 0; c < k; c++) {
            int tp = cm[c][c];
            int predictedC = 0;
            int support = 0;
            for (int j = 0; j < k; j++) {
                predictedC += cm[j][c];
                support += cm[c][j];
            }
            double precision = predictedC == 0 ? 0 : tp / (double) predictedC;
            double recall = support == 0 ? 0 : tp / (double) support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            per.put(labels.get(c), new PerClass(precision, recall, f1, support));
            sp += precision;
            sr += recall;
            sf += f1;
        }
        int n = truth.size();
        return new ClassificationMetrics(n, n == 0 ? 0 : correct / (double) n, k == 0 ? 0 : sp / k, k == 0 ? 0 : sr / k,
                k == 0 ? 0 : sf / k, labels, per, cm);
    }
}
