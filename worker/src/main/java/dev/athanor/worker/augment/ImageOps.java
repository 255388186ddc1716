package dev.athanor.worker.augment;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Classical augmentations on TYPE_INT_RGB images. Each operation draws its random parameters from the given random
 * source, records them, and returns a new image of the same size.
 */
public final class ImageOps {
    private ImageOps() {
    }

    /** An operation that was applied, with the parameters it drew (for the manifest). */
    public record Applied(String op, Map<String, Object> params) {
    }

    /** Applies {@code op} (one of hflip, vflip, rotate, crop, color-jitter, blur, noise, grayscale). */
    public static BufferedImage apply(String op, BufferedImage src, SplittableRandom rnd, Map<String, Object> params) {
        return switch (op) {
            case "hflip" -> flip(src, true);
            case "vflip" -> flip(src, false);
            case "rotate" -> {
                double angle = (5 + rnd.nextDouble() * 25) * (rnd.nextBoolean() ? 1 : -1);
                params.put("angle", round(angle));
                yield rotate(src, angle);
            }
            case "crop" -> {
                double scale = 0.6 + rnd.nextDouble() * 0.3;
                int cw = Math.max(1, (int) Math.round(src.getWidth() * scale));
                int ch = Math.max(1, (int) Math.round(src.getHeight() * scale));
                int x = rnd.nextInt(src.getWidth() - cw + 1);
                int y = rnd.nextInt(src.getHeight() - ch + 1);
                params.putAll(Map.of("x", x, "y", y, "width", cw, "height", ch));
                yield cropResize(src, x, y, cw, ch);
            }
            case "color-jitter" -> {
                double b = 0.7 + rnd.nextDouble() * 0.6;
                double c = 0.7 + rnd.nextDouble() * 0.6;
                double s = 0.7 + rnd.nextDouble() * 0.6;
                params.put("brightness", round(b));
                params.put("contrast", round(c));
                params.put("saturation", round(s));
                yield colorJitter(src, b, c, s);
            }
            case "blur" -> {
                double sigma = 0.8 + rnd.nextDouble() * 1.2;
                params.put("sigma", round(sigma));
                yield gaussianBlur(src, sigma);
            }
            case "noise" -> {
                double sigma = 5 + rnd.nextDouble() * 15;
                params.put("sigma", round(sigma));
                yield noise(src, sigma, rnd.nextLong());
            }
            case "grayscale" -> grayscale(src);
            default -> throw new IllegalArgumentException("unknown operation " + op);
        };
    }

    public static BufferedImage flip(BufferedImage src, boolean horizontal) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = blank(src);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out.setRGB(horizontal ? w - 1 - x : x, horizontal ? y : h - 1 - y, src.getRGB(x, y));
            }
        }
        return out;
    }

    /** Rotates about the centre by {@code degrees}; corners outside the source become black. */
    public static BufferedImage rotate(BufferedImage src, double degrees) {
        BufferedImage out = blank(src);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.rotate(Math.toRadians(degrees), src.getWidth() / 2.0, src.getHeight() / 2.0);
        g.drawImage(src, 0, 0, null);
        g.dispose();
        return out;
    }

    /** Crops the rectangle and scales it back to the source size. */
    public static BufferedImage cropResize(BufferedImage src, int x, int y, int cw, int ch) {
        BufferedImage out = blank(src);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, src.getWidth(), src.getHeight(), x, y, x + cw, y + ch, null);
        g.dispose();
        return out;
    }

    public static BufferedImage colorJitter(BufferedImage src, double brightness, double contrast, double saturation) {
        int w = src.getWidth();
        int h = src.getHeight();
        double mean = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                mean += luma(src.getRGB(x, y));
            }
        }
        mean = mean / (w * (double) h) * brightness;
        BufferedImage out = blank(src);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = src.getRGB(x, y);
                double[] c = {((rgb >> 16) & 255) * brightness, ((rgb >> 8) & 255) * brightness, (rgb & 255) * brightness};
                double gray = 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2];
                for (int i = 0; i < 3; i++) {
                    c[i] = gray + (c[i] - gray) * saturation;
                    c[i] = mean + (c[i] - mean) * contrast;
                }
                out.setRGB(x, y, pack(c[0], c[1], c[2]));
            }
        }
        return out;
    }

    /** Separable gaussian blur, edges clamped. */
    public static BufferedImage gaussianBlur(BufferedImage src, double sigma) {
        int radius = Math.max(1, (int) Math.ceil(3 * sigma));
        double[] k = new double[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
            sum += k[i + radius];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        return convolve(convolve(src, k, true), k, false);
    }

    private static BufferedImage convolve(BufferedImage src, double[] k, boolean horizontal) {
        int w = src.getWidth();
        int h = src.getHeight();
        int r = k.length / 2;
        BufferedImage out = blank(src);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double red = 0;
                double green = 0;
                double blue = 0;
                for (int i = -r; i <= r; i++) {
                    int sx = horizontal ? clamp(x + i, w) : x;
                    int sy = horizontal ? y : clamp(y + i, h);
                    int rgb = src.getRGB(sx, sy);
                    double kk = k[i + r];
                    red += kk * ((rgb >> 16) & 255);
                    green += kk * ((rgb >> 8) & 255);
                    blue += kk * (rgb & 255);
                }
                out.setRGB(x, y, pack(red, green, blue));
            }
        }
        return out;
    }

    public static BufferedImage noise(BufferedImage src, double sigma, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        BufferedImage out = blank(src);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                int rgb = src.getRGB(x, y);
                out.setRGB(x, y, pack(((rgb >> 16) & 255) + gaussian(rnd) * sigma,
                        ((rgb >> 8) & 255) + gaussian(rnd) * sigma, (rgb & 255) + gaussian(rnd) * sigma));
            }
        }
        return out;
    }

    public static BufferedImage grayscale(BufferedImage src) {
        BufferedImage out = blank(src);
        for (int y = 0; y < src.getHeight(); y++) {
            for (int x = 0; x < src.getWidth(); x++) {
                double l = luma(src.getRGB(x, y));
                out.setRGB(x, y, pack(l, l, l));
            }
        }
        return out;
    }

    /** A standard normal draw (Box-Muller). */
    static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    static double luma(int rgb) {
        return 0.299 * ((rgb >> 16) & 255) + 0.587 * ((rgb >> 8) & 255) + 0.114 * (rgb & 255);
    }

    static int pack(double r, double g, double b) {
        return (to8(r) << 16) | (to8(g) << 8) | to8(b);
    }

    private static int to8(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    private static int clamp(int v, int n) {
        return v < 0 ? 0 : Math.min(v, n - 1);
    }

    private static BufferedImage blank(BufferedImage src) {
        return new BufferedImage(src.getWidth(), src.getHeight(), BufferedImage.TYPE_INT_RGB);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Parameters map preserving insertion order. */
    static Map<String, Object> params() {
        return new LinkedHashMap<>();
    }
}
