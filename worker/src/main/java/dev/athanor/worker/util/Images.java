package dev.athanor.worker.util;

import dev.athanor.worker.engine.EngineException;
import dev.athanor.worker.engine.JobRejectedException;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Finding, reading and writing images with ImageIO. */
public final class Images {
    private Images() {
    }

    public static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /**
     * Every png/jpg under {@code dir}, sorted by path; at least one. A missing or empty input directory is a job that
     * cannot run (exit 2, not retried), not an engine failure.
     */
    public static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new JobRejectedException("input directory " + dir + " does not exist or is not a directory");
        }
        List<Path> images = walk(dir);
        if (images.isEmpty()) {
            throw new JobRejectedException("no png/jpg images in " + dir);
        }
        return images;
    }

    private static List<Path> walk(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(Images::isImage).sorted().toList();
        } catch (IOException e) {
            throw new EngineException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Reads an image as TYPE_INT_RGB (alpha is flattened onto black). */
    public static BufferedImage readRgb(Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new EngineException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new EngineException("not a readable image: " + file);
        }
        return toRgb(img);
    }

    public static BufferedImage toRgb(BufferedImage img) {
        if (img.getType() == BufferedImage.TYPE_INT_RGB) {
            return img;
        }
        BufferedImage out = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_INT_RGB);
        var g = out.createGraphics();
        g.drawImage(img, 0, 0, null);
        g.dispose();
        return out;
    }

    /** Writes in the format given by the file extension (png or jpg). */
    public static void write(BufferedImage img, Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        String format = n.endsWith(".jpg") || n.endsWith(".jpeg") ? "jpg" : "png";
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
    }

    /** The media type for a data URL. */
    public static String mediaType(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") ? "image/png" : "image/jpeg";
    }

    /** {@code dir/a/b.png} relative to {@code dir} as {@code a/b.png}. */
    public static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace('\\', '/');
    }
}
