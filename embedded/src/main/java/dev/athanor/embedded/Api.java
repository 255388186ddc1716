package dev.athanor.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A small client for the documented REST API (docs/api.md). HTTP/1.1, JSON. */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http;
    private final String token;

    public Api(String baseUrl, String token) {
        this.base = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.token = token;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    /** Bearer token from ATHANOR_TOKEN or HOME/token (if the control plane wrote one), else none. */
    public static String tokenFor(Path home) {
        String env = System.getenv("ATHANOR_TOKEN");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        for (String name : List.of("token", "admin-token")) {
            Path f = home.resolve(name);
            try {
                if (Files.isRegularFile(f)) {
                    String t = Files.readString(f).trim();
                    if (!t.isEmpty()) {
                        return t;
                    }
                }
            } catch (IOException e) {
                // no token
            }
        }
        return null;
    }

    public String baseUrl() {
        return base;
    }

    public HttpClient http() {
        return http;
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    public record Response(int status, JsonNode body, String raw) {
        public boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    public Response post(String path, Object body) throws IOException, InterruptedException {
        String json = body instanceof String s ? s : JSON.writeValueAsString(body);
        HttpRequest req = request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
        return toResponse(http.send(req, HttpResponse.BodyHandlers.ofString()));
    }

    public Response get(String path) throws IOException, InterruptedException {
        return toResponse(http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString()));
    }

    private static Response toResponse(HttpResponse<String> r) {
        JsonNode node = null;
        try {
            if (r.body() != null && !r.body().isBlank()) {
                node = JSON.readTree(r.body());
            }
        } catch (IOException e) {
            node = null;
        }
        return new Response(r.statusCode(), node, r.body());
    }

    public JsonNode job(String id) throws IOException, InterruptedException {
        Response r = get("/api/v1/jobs/" + id);
        if (r.status() != 200 || r.body() == null) {
            throw new IOException("GET /api/v1/jobs/" + id + " -> HTTP " + r.status() + ": " + r.raw());
        }
        return r.body();
    }

    /** The last {@code n} persisted log lines of a job (walks the cursor; fine for small jobs). */
    public List<String> lastLogLines(String id, int n) {
        List<String> lines = new ArrayList<>();
        String cursor = null;
        try {
            for (int page = 0; page < 50; page++) {
                Response r = get("/api/v1/jobs/" + id + "/logs?limit=1000" + (cursor != null ? "&after=" + cursor : ""));
                if (r.status() != 200 || r.body() == null) {
                    break;
                }
                for (JsonNode item : r.body().path("items")) {
                    lines.add(item.path("stream").asText("") + " " + item.path("line").asText(""));
                }
                JsonNode next = r.body().path("nextCursor");
                String nextRaw = next.isMissingNode() || next.isNull() ? null
                        : java.net.URLEncoder.encode(next.asText(), java.nio.charset.StandardCharsets.UTF_8);
                if (nextRaw == null || r.body().path("items").isEmpty() || nextRaw.equals(cursor)) {
                    break;
                }
                cursor = nextRaw;
            }
        } catch (IOException | InterruptedException e) {
            lines.add("(could not read logs: " + e.getMessage() + ")");
        }
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
