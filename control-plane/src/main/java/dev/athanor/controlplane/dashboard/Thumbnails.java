package dev.athanor.controlplane.dashboard;

import dev.athanor.controlplane.auth.Tokens;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Server-side thumbnails (PNG), cached on disk under {@code athanor.home}/thumbnails by the image's path, size,
 * modification time and the requested edge, so a changed file gets a new thumbnail.
 */
@ApplicationScoped
public class Thumbnails {

    @ConfigProperty(name = "athanor.home")
    String home;

    public Optional<Path> thumbnail(Path image, int edge) {
        try {
            String key = Tokens.hash(image + "|" + Files.size(image) + "|" + Files.getLastModifiedTime(image).toMillis()
                    + "|" + edge);
            Path dir = Path.of(home, "thumbnails", key.substring(0, 2));
            Path out = dir.resolve(key + ".png");
            if (Files.isRegularFile(out)) {
                return Optional.of(out);
            }
            BufferedImage src = ImageIO.read(image.toFile());
            if (src == null) {
                return Optional.empty();
            }
            double scale = Math.min(1.0, (double) edge / Math.max(src.getWidth(), src.getHeight()));
            int w = Math.max(1, (int) Math.round(src.getWidth() * scale));
            int h = Math.max(1, (int) Math.round(src.getHeight() * scale));
            BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
            Graphics2D g = dst.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
            g.dispose();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, key, ".tmp");
            ImageIO.write(dst, "png", tmp.toFile());
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return Optional.of(out);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
