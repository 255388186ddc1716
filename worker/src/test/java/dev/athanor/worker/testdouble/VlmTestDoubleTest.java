package dev.athanor.worker.testdouble;

import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class VlmTestDoubleTest {
    @Test
    void namesTheDominantColour() {
        assertThat(VlmTestDouble.dominantColour(filled(new Color(220, 40, 40)))).isEqualTo("red");
        assertThat(VlmTestDouble.dominantColour(filled(new Color(40, 180, 60)))).isEqualTo("green");
        assertThat(VlmTestDouble.dominantColour(filled(new Color(40, 70, 220)))).isEqualTo("blue");
        assertThat(VlmTestDouble.dominantColour(filled(new Color(230, 210, 40)))).isEqualTo("yellow");
        assertThat(VlmTestDouble.dominantColour(filled(new Color(128, 128, 128)))).isEqualTo("gray");
    }

    @Test
    void servesHealthModelsAndRejectsMalformedRequests() throws Exception {
        try (VlmTestDouble d = new VlmTestDouble(0, "k", List.of("a", "b")).start()) {
            HttpClient http = HttpClient.newHttpClient();
            var health = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + d.port() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            var models = http.send(HttpRequest.newBuilder(URI.create(d.baseUrl() + "/models"))
                    .header("Authorization", "Bearer k").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.body()).contains("\"id\":\"a\"").contains("\"owned_by\":\"vllm\"");
            var noAuth = http.send(HttpRequest.newBuilder(URI.create(d.baseUrl() + "/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(noAuth.statusCode()).isEqualTo(401);
            assertThat(noAuth.body()).isEqualTo("{\"error\":\"Unauthorized\"}");
            var bad = http.send(HttpRequest.newBuilder(URI.create(d.baseUrl() + "/chat/completions"))
                    .header("Authorization", "Bearer k")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"a\",\"messages\":[{\"role\":\"user\","
                            + "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}"))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("does not decode to an image");
        }
    }

    private static BufferedImage filled(Color c) {
        BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 16, 16);
        g.dispose();
        return img;
    }
}
