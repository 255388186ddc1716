package dev.athanor.worker.finetune;

import java.awt.Color;
import java.awt.image.BufferedImage;

/**
 * Colour features of an image ({@value #NAME}): mean R, G, B (3), an 8-bin histogram per channel (24), a 12-bin hue
 * histogram of clearly coloured pixels (12) and the fraction of such pixels (1). All values are in [0, 1].
 */
public final class ImageFeatures {
    public static final String NAME = "rgb-mean+rgb-hist8+hue-hist12+colourfulness";
    public static final int RGB_BINS = 8;
    public static final int HUE_BINS = 12;
    public static final int SIZE = 3 + 3 * RGB_BINS + HUE_BINS + 1;

    private ImageFeatures() {
    }

    public static double[] extract(BufferedImage img) {
        double[] f = new double[SIZE];
        int n = img.getWidth() * img.getHeight();
        float[] hsb = new float[3];
        int coloured = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int[] c = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                for (int i = 0; i < 3; i++) {
                    f[i] += c[i] / 255.0;
                    f[3 + i * RGB_BINS + c[i] * RGB_BINS / 256] += 1;
                }
                Color.RGBtoHSB(c[0], c[1], c[2], hsb);
                if (hsb[1] >= 0.4f && hsb[2] >= 0.3f) {
                    coloured++;
                    int bin = Math.min(HUE_BINS - 1, (int) (hsb[0] * HUE_BINS));
                    f[3 + 3 * RGB_BINS + bin] += 1;
                }
            }
        }
        for (int i = 0; i < 3 + 3 * RGB_BINS; i++) {
            f[i] /= n;
        }
        for (int i = 0; i < HUE_BINS; i++) {
            f[3 + 3 * RGB_BINS + i] /= Math.max(1, coloured);
        }
        f[SIZE - 1] = coloured / (double) n;
        return f;
    }
}
