package dev.athanor.worker.finetune;

import dev.athanor.common.spec.FineTuneSpec;
import dev.athanor.worker.engine.EngineContext;
import dev.athanor.worker.engine.Reporter;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Mini-batch SGD with cosine learning-rate decay and L2 weight decay for a {@link SoftmaxModel}. */
final class Trainer {
    private final SoftmaxModel model;
    private final double[][] z;
    private final int[] y;
    private final int[] train;
    private final int[] eval;
    private final FineTuneSpec spec;
    private final Random rnd;

    Trainer(SoftmaxModel model, double[][] z, int[] y, int[] train, int[] eval, FineTuneSpec spec, long seed) {
        this.model = model;
        this.z = z;
        this.y = y;
        this.train = train.clone();
        this.eval = eval;
        this.spec = spec;
        this.rnd = new Random(seed + 1);
    }

    BuiltinFineTuneEngine.TrainResult train(EngineContext ctx, TrainerLog log) throws IOException {
        Reporter r = ctx.reporter();
        int batch = spec.perDeviceTrainBatchSize() * spec.gradientAccumulationSteps();
        int stepsPerEpoch = Math.max(1, (train.length + batch - 1) / batch);
        long total = Math.max(1, (long) Math.ceil(spec.numTrainEpochs() * stepsPerEpoch));
        long logEvery = Math.max(1, total / 1000);
        long start = System.nanoTime();
        double lossSum = 0;
        double loss = Double.NaN;
        double trainAcc = Double.NaN;
        double[] ev = {Double.NaN, Double.NaN};
        r.log("INFO training: " + train.length + " train / " + eval.length + " eval images, batch " + batch + ", "
                + total + " steps (" + stepsPerEpoch + " per epoch)");
        int pos = train.length;
        for (long step = 1; step <= total; step++) {
            ctx.cancellation().throwIfCancelled();
            if (pos >= train.length) {
                shuffle(train);
                pos = 0;
            }
            int end = Math.min(train.length, pos + batch);
            double lr = spec.learningRate() * 0.5 * (1 + Math.cos(Math.PI * (step - 1) / total));
            loss = sgdStep(pos, end, lr);
            pos = end;
            lossSum += loss;
            double epoch = (double) step / stepsPerEpoch;
            double elapsed = (System.nanoTime() - start) / 1e9;
            r.progress(step, total, Reporter.eta(start, step, total), "training");
            if (step % logEvery == 0 || step == total) {
                r.metrics(step, Map.of("loss", loss, "lr", lr, "epoch", epoch));
                log.write(step, total, loss, null, lr, epoch, elapsed);
            }
            if (step % stepsPerEpoch == 0 || step == total) {
                trainAcc = evaluate(train)[1];
                Map<String, Double> m = new LinkedHashMap<>();
                m.put("accuracy", trainAcc);
                m.put("epoch", epoch);
                if (eval.length > 0) {
                    ev = evaluate(eval);
                    m.put("eval_loss", ev[0]);
                    m.put("eval_accuracy", ev[1]);
                    log.write(step, total, null, ev[0], null, epoch, elapsed);
                }
                r.metrics(step, m);
                r.log(String.format("INFO epoch %.2f step %d/%d loss %.4f accuracy %.3f%s", epoch, step, total, loss,
                        trainAcc, eval.length > 0 ? String.format(" eval_loss %.4f", ev[0]) : ""));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new BuiltinFineTuneEngine.TrainResult(total, (double) total / stepsPerEpoch, lossSum / total, loss,
                trainAcc, ev[0], ev[1], seconds);
    }

    /** One gradient step on train[from, to); returns the batch's mean cross-entropy before the step. */
    private double sgdStep(int from, int to, double lr) {
        int k = model.classes.size();
        int d = model.mean.length;
        double[][] gw = new double[k][d];
        double[] gb = new double[k];
        double loss = 0;
        int n = to - from;
        for (int t = from; t < to; t++) {
            int i = train[t];
            double[] p = model.probabilities(z[i]);
            loss -= Math.log(Math.max(1e-12, p[y[i]]));
            for (int c = 0; c < k; c++) {
                double g = p[c] - (c == y[i] ? 1 : 0);
                gb[c] += g / n;
                for (int j = 0; j < d; j++) {
                    gw[c][j] += g * z[i][j] / n;
                }
            }
        }
        for (int c = 0; c < k; c++) {
            model.b[c] -= lr * gb[c];
            for (int j = 0; j < d; j++) {
                model.w[c][j] -= lr * (gw[c][j] + BuiltinFineTuneEngine.WEIGHT_DECAY * model.w[c][j]);
            }
        }
        return loss / n;
    }

    /** Mean cross-entropy and accuracy over {@code idx}. */
    double[] evaluate(int[] idx) {
        double loss = 0;
        int correct = 0;
        for (int i : idx) {
            double[] p = model.probabilities(z[i]);
            loss -= Math.log(Math.max(1e-12, p[y[i]]));
            int best = 0;
            for (int c = 1; c < p.length; c++) {
                if (p[c] > p[best]) {
                    best = c;
                }
            }
            if (best == y[i]) {
                correct++;
            }
        }
        return new double[]{loss / Math.max(1, idx.length), correct / (double) Math.max(1, idx.length)};
    }

    private void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }
}
