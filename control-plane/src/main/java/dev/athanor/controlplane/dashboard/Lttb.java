package dev.athanor.controlplane.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson 2013): keeps the first and last point and, per bucket, the
 * point that spans the largest triangle with its neighbours, so peaks and the curve's shape survive. Used to send a
 * 50,000-point metric series to the browser as a few hundred points.
 */
public final class Lttb {
    private Lttb() {
    }

    public static <T> List<T> downsample(List<T> in, int threshold, ToDoubleFunction<T> x, ToDoubleFunction<T> y) {
        int n = in.size();
        if (threshold >= n || threshold < 3) {
            return in;
        }
        List<T> out = new ArrayList<>(threshold);
        double every = (double) (n - 2) / (threshold - 2);
        int a = 0;
        out.add(in.get(0));
        for (int i = 0; i < threshold - 2; i++) {
            int avgStart = (int) Math.floor((i + 1) * every) + 1;
            int avgEnd = Math.min((int) Math.floor((i + 2) * every) + 1, n);
            double avgX = 0;
            double avgY = 0;
            for (int j = avgStart; j < avgEnd; j++) {
                avgX += x.applyAsDouble(in.get(j));
                avgY += y.applyAsDouble(in.get(j));
            }
            int len = Math.max(1, avgEnd - avgStart);
            avgX /= len;
            avgY /= len;
            int start = (int) Math.floor(i * every) + 1;
            int end = (int) Math.floor((i + 1) * every) + 1;
            double ax = x.applyAsDouble(in.get(a));
            double ay = y.applyAsDouble(in.get(a));
            double maxArea = -1;
            int pick = start;
            for (int j = start; j < end; j++) {
                double area = Math.abs((ax - avgX) * (y.applyAsDouble(in.get(j)) - ay)
                        - (ax - x.applyAsDouble(in.get(j))) * (avgY - ay));
                if (area > maxArea) {
                    maxArea = area;
                    pick = j;
                }
            }
            out.add(in.get(pick));
            a = pick;
        }
        out.add(in.get(n - 1));
        return out;
    }
}
