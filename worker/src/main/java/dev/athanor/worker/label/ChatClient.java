package dev.athanor.worker.label;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.common.json.Json;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client for an OpenAI-compatible {@code POST {endpoint}/chat/completions} (vLLM). Connection errors, 429 and 5xx are
 * retried with exponential backoff and jitter (honouring a numeric Retry-After), up to {@code maxAttempts} tries.
 * 401/403 and 404 are fatal for the job; other 4xx fail the one request with the server's message. The API key is sent
 * as a bearer token and never appears in messages.
 */
public final class ChatClient {
    private static final ObjectMapper JSON = Json.lenient();

    private final HttpClient http;
    private final URI uri;
    private final String apiKey;
    private final Duration timeout;
    private final int maxAttempts;
    private final Duration baseBackoff;

    public ChatClient(String endpoint, String apiKey, Duration timeout, int maxAttempts, Duration baseBackoff) {
        String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.uri = URI.create(base + "/chat/completions");
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.baseBackoff = baseBackoff;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public URI uri() {
        return uri;
    }

    /** Sends one request body, retrying transient failures. */
    public ChatReply complete(JsonNode body) throws ChatException, InterruptedException {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new ChatException(0, "cannot encode request: " + e.getMessage(), true);
        }
        String lastProblem = "";
        int lastStatus = 0;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
            if (apiKey != null && !apiKey.isEmpty()) {
                rb.header("Authorization", "Bearer " + apiKey);
            }
            long retryAfterMs = -1;
            try {
                HttpResponse<String> resp = http.send(rb.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                int s = resp.statusCode();
                if (s >= 200 && s < 300) {
                    return parse(resp.body());
                }
                String msg = errorMessage(resp.body());
                if (s == 401 || s == 403) {
                    throw new ChatException(s, "the endpoint " + uri + " rejected the request as unauthorized (" + s
                            + (apiKey == null ? "; no API key configured: set spec.apiKeySecret" : "; check the API key secret")
                            + "): " + msg, true);
                }
                if (s == 404) {
                    throw new ChatException(s, "not found (404) at " + uri + ": " + msg, true);
                }
                if (s != 429 && s < 500) {
                    throw new ChatException(s, "rejected (" + s + "): " + msg, false);
                }
                lastStatus = s;
                lastProblem = "HTTP " + s + ": " + msg;
                retryAfterMs = resp.headers().firstValue("Retry-After").map(ChatClient::seconds).orElse(-1L);
            } catch (IOException e) {
                lastStatus = 0;
                lastProblem = "connection error: " + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage());
            }
            if (attempt < maxAttempts) {
                long backoff = Math.min(10_000, baseBackoff.toMillis() << (attempt - 1));
                backoff += ThreadLocalRandom.current().nextLong(backoff / 4 + 1);
                Thread.sleep(retryAfterMs >= 0 ? Math.min(retryAfterMs, 30_000) : backoff);
            }
        }
        throw new ChatException(lastStatus, "gave up after " + maxAttempts + " attempts: " + lastProblem, false);
    }

    private static ChatReply parse(String body) throws ChatException {
        JsonNode tree;
        try {
            tree = JSON.readTree(body);
        } catch (IOException e) {
            throw new ChatException(200, "response is not JSON: " + preview(body), false);
        }
        JsonNode content = tree.path("choices").path(0).path("message").path("content");
        if (!content.isTextual()) {
            throw new ChatException(200, "response has no choices[0].message.content: " + preview(body), false);
        }
        JsonNode usage = tree.get("usage");
        return new ChatReply(content.asText(), tree.path("model").asText(null), usage);
    }

    /**
     * The message of an error body in either vLLM format: {@code {"error":{"message":..}}} (current),
     * {@code {"object":"error","message":..}} (older), or {@code {"error":"Unauthorized"}}; else the body itself.
     */
    public static String errorMessage(String body) {
        if (body == null || body.isBlank()) {
            return "(empty body)";
        }
        try {
            JsonNode t = JSON.readTree(body);
            JsonNode err = t.get("error");
            if (err != null && err.isObject() && err.path("message").isTextual()) {
                return err.get("message").asText();
            }
            if (err != null && err.isTextual()) {
                return err.asText();
            }
            if (t.path("message").isTextual()) {
                return t.get("message").asText();
            }
            if (t.path("detail").isTextual()) {
                return t.get("detail").asText();
            }
        } catch (IOException ignored) {
            // not JSON: fall through
        }
        return preview(body);
    }

    private static String preview(String s) {
        return s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }

    private static long seconds(String v) {
        try {
            return (long) (Double.parseDouble(v.trim()) * 1000);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
