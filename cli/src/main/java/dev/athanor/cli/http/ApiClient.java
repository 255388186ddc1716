package dev.athanor.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.athanor.cli.CliException;
import dev.athanor.cli.ExitCodes;
import dev.athanor.common.json.Json;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A thin client of the Athanor REST API (docs/api.md) on {@link java.net.http.HttpClient}. Every error status becomes
 * an {@link ApiException} carrying the server's problem; every connection failure an {@link UnreachableException}.
 * The bearer token is sent in the {@code Authorization} header only and never appears in messages.
 */
public final class ApiClient {
    public static final String API = "/api/v1";
    private static final ObjectMapper MAPPER = Json.lenient();

    private final String server;
    private final String token;
    private final String userAgent;
    private final HttpClient http;
    private final Duration requestTimeout;

    public ApiClient(String server, String token, String version) {
        this(server, token, version, Duration.ofSeconds(30));
    }

    public ApiClient(String server, String token, String version, Duration requestTimeout) {
        this.server = normalize(server);
        this.token = token == null || token.isBlank() ? null : token.trim();
        this.userAgent = "athanor-cli/" + version;
        this.requestTimeout = requestTimeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NORMAL)
                .build();
    }

    static String normalize(String server) {
        String s = server == null ? "" : server.trim();
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        try {
            URI u = URI.create(s);
            if (u.getScheme() == null || !(u.getScheme().equals("http") || u.getScheme().equals("https")) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.INVALID, "error: invalid server URL '" + server + "': expected http(s)://host[:port]");
        }
        return s;
    }

    public String server() {
        return server;
    }

    /** The answer to a request that succeeded (status below 400). */
    public record Response(int status, JsonNode body, HttpResponse<?> raw) {
    }

    public JsonNode get(String path) {
        return get(path, Map.of());
    }

    public JsonNode get(String path, Map<String, ?> query) {
        return send(request(path, query).GET().build()).body();
    }

    public Response post(String path, JsonNode body) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8);
        HttpRequest.Builder b = request(path, Map.of()).POST(publisher);
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    public Response put(String path, JsonNode body) {
        return send(request(path, Map.of()).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(Json.write(body), StandardCharsets.UTF_8)).build());
    }

    public Response delete(String path) {
        return send(request(path, Map.of()).DELETE().build());
    }

    /**
     * Opens a Server-Sent Events stream; the returned lines arrive as the server sends them. Close the stream to
     * disconnect.
     */
    public Stream<String> openEventStream(String path) {
        HttpRequest.Builder sse = HttpRequest.newBuilder(uri(path, Map.of()))
                .header("Accept", "text/event-stream")
                .header("User-Agent", userAgent)
                .header("Cache-Control", "no-cache");
        withAuth(sse);
        HttpRequest req = sse.GET().build();
        HttpResponse<Stream<String>> resp = exchange(req, HttpResponse.BodyHandlers.ofLines());
        if (resp.statusCode() >= 400) {
            String body;
            try (Stream<String> lines = resp.body()) {
                body = String.join("\n", lines.limit(200).toList());
            }
            throw error(resp.statusCode(), resp.headers().firstValue("Content-Type").orElse(""), body);
        }
        String ct = resp.headers().firstValue("Content-Type").orElse("");
        if (!ct.startsWith("text/event-stream")) {
            resp.body().close();
            throw new CliException(ExitCodes.FAILED, "error: expected text/event-stream from " + path + " but got '" + ct + "'");
        }
        return resp.body();
    }

    private Response send(HttpRequest req) {
        HttpResponse<String> resp = exchange(req, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        String ct = resp.headers().firstValue("Content-Type").orElse("");
        if (resp.statusCode() >= 400) {
            throw error(resp.statusCode(), ct, resp.body());
        }
        JsonNode body = null;
        String text = resp.body();
        if (text != null && !text.isBlank()) {
            try {
                body = MAPPER.readTree(text);
            } catch (IOException e) {
                throw new CliException(ExitCodes.FAILED, "error: the server at " + server + " sent a response that is not JSON ("
                        + req.method() + " " + req.uri().getPath() + ", status " + resp.statusCode() + ")");
            }
        }
        return new Response(resp.statusCode(), body, resp);
    }

    private <T> HttpResponse<T> exchange(HttpRequest req, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(req, handler);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        } catch (IOException e) {
            if (isUnreachable(e)) {
                throw new UnreachableException(server);
            }
            if (e instanceof InterruptedIOException && !(e instanceof HttpConnectTimeoutException)) {
                throw new CliException(ExitCodes.UNREACHABLE, "error: Athanor at " + server + " did not answer in time ("
                        + req.method() + " " + req.uri().getPath() + ")");
            }
            throw new CliException(ExitCodes.UNREACHABLE, "error: lost the connection to Athanor at " + server + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
    }

    static boolean isUnreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof HttpConnectTimeoutException
                    || t instanceof UnresolvedAddressException || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    static ApiException error(int status, String contentType, String body) {
        Problem problem = null;
        if (body != null && !body.isBlank() && contentType.contains("json")) {
            try {
                problem = MAPPER.readValue(body, Problem.class);
            } catch (IOException ignored) {
                // fall through to a problem made from the status
            }
        }
        if (problem == null || (problem.title() == null && problem.detail() == null && problem.errors().isEmpty())) {
            String snippet = body == null ? "" : body.strip();
            if (snippet.length() > 300) {
                snippet = snippet.substring(0, 300) + "...";
            }
            problem = new Problem(null, "HTTP " + status + reasonPhrase(status), status, snippet.isEmpty() ? null : snippet, null, null);
        }
        return new ApiException(status, problem);
    }

    private static String reasonPhrase(int status) {
        return switch (status) {
            case 400 -> " Bad Request";
            case 401 -> " Unauthorized";
            case 403 -> " Forbidden";
            case 404 -> " Not Found";
            case 409 -> " Conflict";
            case 413 -> " Content Too Large";
            case 415 -> " Unsupported Media Type";
            case 500 -> " Internal Server Error";
            case 502 -> " Bad Gateway";
            case 503 -> " Service Unavailable";
            default -> "";
        };
    }

    private HttpRequest.Builder request(String path, Map<String, ?> query) {
        return withAuth(HttpRequest.newBuilder(uri(path, query))
                .timeout(requestTimeout)
                .header("Accept", "application/json, application/problem+json")
                .header("User-Agent", userAgent));
    }

    private HttpRequest.Builder withAuth(HttpRequest.Builder b) {
        return token == null ? b : b.header("Authorization", "Bearer " + token);
    }

    URI uri(String path, Map<String, ?> query) {
        StringBuilder sb = new StringBuilder(server).append(path);
        char sep = '?';
        for (Map.Entry<String, ?> e : new LinkedHashMap<>(query).entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            List<?> values = v instanceof List<?> l ? l : List.of(v);
            for (Object one : values) {
                if (one == null) {
                    continue;
                }
                sb.append(sep).append(enc(e.getKey())).append('=').append(enc(String.valueOf(one)));
                sep = '&';
            }
        }
        return URI.create(sb.toString());
    }

    /** Percent-encodes one path segment or query value. */
    public static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
