package dev.athanor.worker.testdouble;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.athanor.common.json.Json;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Collection;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TEST DOUBLE for a vLLM OpenAI-compatible server ({@code vllm serve}): it is not a model. It speaks the wire format
 * of {@code POST /v1/chat/completions}, {@code GET /v1/models} and {@code GET /health} as documented for vLLM, and
 * answers each request with the name of the dominant colour of the request's image (computed from the decoded pixels),
 * so labels are meaningful and deterministic. Used by tests and by the embedded demo.
 *
 * <p>Behaviour: a wrong or missing bearer token when started with an API key gives 401 {@code {"error":"Unauthorized"}};
 * an unknown model gives 404; a malformed request (no model, no messages, no decodable image data URL) gives 400;
 * prompt + max_tokens over {@code maxModelLen} gives vLLM's 400 "maximum context length" error. Tests can queue
 * canned failures with {@link #failNext} and slow responses with {@link #setDelayMillis}.
 *
 * <p>Run standalone: {@code java -cp athanor-worker.jar dev.athanor.worker.testdouble.VlmTestDouble PORT [MODEL,...]};
 * the API key, if any, is read from env {@code VLM_TEST_DOUBLE_API_KEY} (never from the command line).
 */
public final class VlmTestDouble implements AutoCloseable {
    public static final String DEFAULT_MODEL = "athanor-demo-vlm";
    private static final ObjectMapper JSON = Json.lenient();
    private static final int IMAGE_TOKENS = 256;

    private final int requestedPort;
    private final String apiKey;
    private final Set<String> models;
    private final int maxModelLen;
    private final Deque<int[]> failStatus = new ArrayDeque<>();
    private final Deque<String> failBody = new ArrayDeque<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger idSeq = new AtomicInteger();
    private volatile long delayMillis;
    private HttpServer server;
    private ExecutorService executor;

    /**
     * @param port   0 for any free port
     * @param apiKey null or empty for no authentication
     * @param models served model names (the first is reported by /v1/models first)
     */
    public VlmTestDouble(int port, String apiKey, Collection<String> models) {
        this(port, apiKey, models, 8192);
    }

    public VlmTestDouble(int port, String apiKey, Collection<String> models, int maxModelLen) {
        this.requestedPort = port;
        this.apiKey = apiKey == null || apiKey.isEmpty() ? null : apiKey;
        this.models = new LinkedHashSet<>(models == null || models.isEmpty() ? List.of(DEFAULT_MODEL) : models);
        this.maxModelLen = maxModelLen;
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8000;
        List<String> models = args.length > 1 ? List.of(args[1].split(",")) : List.of(DEFAULT_MODEL);
        VlmTestDouble d = new VlmTestDouble(port, System.getenv("VLM_TEST_DOUBLE_API_KEY"), models).start();
        String delay = System.getenv("VLM_TEST_DOUBLE_DELAY_MS");
        if (delay != null && !delay.isBlank()) {
            d.setDelayMillis(Long.parseLong(delay.trim()));
        }
        System.out.println("VLM test double (not a model) serving " + models + " at " + d.baseUrl());
        Thread.currentThread().join();
    }

    /** Starts listening on 127.0.0.1. */
    public synchronized VlmTestDouble start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", requestedPort), 64);
        executor = Executors.newFixedThreadPool(16, r -> {
            Thread t = new Thread(r, "vlm-test-double");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return this;
    }

    public synchronized void stop() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
            server = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The OpenAI base URL, e.g. {@code http://127.0.0.1:PORT/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The next {@code times} authorized chat requests get this status and body instead of an answer. */
    public synchronized void failNext(int status, String body, int times) {
        for (int i = 0; i < times; i++) {
            failStatus.add(new int[]{status});
            failBody.add(body);
        }
    }

    /** Delays every chat answer (to test cancellation and concurrency). */
    public void setDelayMillis(long millis) {
        this.delayMillis = millis;
    }

    /** Chat-completions requests received so far. */
    public int requests() {
        return requests.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            if (path.equals("/health") && method.equals("GET")) {
                send(ex, 200, "");
                return;
            }
            if (!authorized(ex)) {
                send(ex, 401, "{\"error\":\"Unauthorized\"}");
                return;
            }
            if (path.equals("/v1/models") && method.equals("GET")) {
                send(ex, 200, modelsBody());
            } else if (path.equals("/v1/chat/completions") && method.equals("POST")) {
                requests.incrementAndGet();
                chat(ex);
            } else {
                send(ex, 404, "{\"detail\":\"Not Found\"}");
            }
        } catch (RuntimeException e) {
            send(ex, 500, error("internal error: " + e, "InternalServerError", 500));
        }
    }

    private boolean authorized(HttpExchange ex) {
        if (apiKey == null || ex.getRequestURI().getPath().equals("/health")) {
            return true;
        }
        return ("Bearer " + apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"));
    }

    private void chat(HttpExchange ex) throws IOException {
        int[] status;
        String failure;
        synchronized (this) {
            status = failStatus.poll();
            failure = failBody.poll();
        }
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (status != null) {
            send(ex, status[0], failure);
            return;
        }
        JsonNode req;
        try {
            req = JSON.readTree(ex.getRequestBody());
        } catch (IOException e) {
            send(ex, 400, error("request body is not valid JSON", "BadRequestError", 400));
            return;
        }
        String problem = validate(req);
        if (problem != null) {
            send(ex, 400, error(problem, "BadRequestError", 400));
            return;
        }
        String model = req.get("model").asText();
        if (!models.contains(model)) {
            send(ex, 404, error("The model `" + model + "` does not exist.", "NotFoundError", 404));
            return;
        }
        BufferedImage image;
        try {
            image = firstImage(req);
        } catch (IllegalArgumentException e) {
            send(ex, 400, error(e.getMessage(), "BadRequestError", 400));
            return;
        }
        int promptTokens = promptTokens(req);
        int maxTokens = req.path("max_tokens").asInt(256);
        if (promptTokens + maxTokens > maxModelLen) {
            send(ex, 400, error("This model's maximum context length is " + maxModelLen + " tokens. However, you requested "
                    + (promptTokens + maxTokens) + " tokens (" + promptTokens + " in the messages, " + maxTokens
                    + " in the completion). Please reduce the length of the messages or completion.", "BadRequestError", 400));
            return;
        }
        String colour = dominantColour(image);
        String content = "The image shows a " + colour + " object. Dominant colour: " + colour + ".";
        int completion = Math.min(maxTokens, content.length() / 4 + 1);
        ObjectNode resp = JSON.createObjectNode();
        resp.put("id", "chatcmpl-" + idSeq.incrementAndGet());
        resp.put("object", "chat.completion");
        resp.put("created", System.currentTimeMillis() / 1000);
        resp.put("model", model);
        ObjectNode choice = resp.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", content);
        choice.put("finish_reason", "stop");
        choice.putNull("stop_reason");
        resp.putObject("usage").put("prompt_tokens", promptTokens).put("completion_tokens", completion)
                .put("total_tokens", promptTokens + completion);
        send(ex, 200, JSON.writeValueAsString(resp));
    }

    static String validate(JsonNode req) {
        if (req == null || !req.isObject()) {
            return "request body must be a JSON object";
        }
        if (!req.path("model").isTextual() || req.get("model").asText().isBlank()) {
            return "field 'model' is required";
        }
        JsonNode messages = req.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return "field 'messages' must be a non-empty list";
        }
        for (JsonNode m : messages) {
            if (!m.path("role").isTextual() || !(m.path("content").isTextual() || m.path("content").isArray())) {
                return "each message needs a 'role' and a 'content' (string or list of parts)";
            }
        }
        if (req.has("max_tokens") && (!req.get("max_tokens").canConvertToInt() || req.get("max_tokens").asInt() < 1)) {
            return "max_tokens must be a positive integer";
        }
        if (req.has("temperature") && !req.get("temperature").isNumber()) {
            return "temperature must be a number";
        }
        return null;
    }

    private static BufferedImage firstImage(JsonNode req) {
        for (JsonNode m : req.get("messages")) {
            if (!m.path("content").isArray()) {
                continue;
            }
            for (JsonNode part : m.get("content")) {
                if ("image_url".equals(part.path("type").asText())) {
                    return decodeDataUrl(part.path("image_url").path("url").asText(""));
                }
            }
        }
        throw new IllegalArgumentException("no image_url part in the messages");
    }

    static BufferedImage decodeDataUrl(String url) {
        int comma = url.indexOf(',');
        if (!url.startsWith("data:image/") || comma < 0 || !url.substring(0, comma).endsWith(";base64")) {
            throw new IllegalArgumentException("image_url must be a data:image/...;base64 URL in this test double");
        }
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(url.substring(comma + 1))));
            if (img == null) {
                throw new IllegalArgumentException("image_url data does not decode to an image");
            }
            return img;
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("image_url data does not decode to an image: " + e.getMessage());
        }
    }

    private static int promptTokens(JsonNode req) {
        int chars = 0;
        int images = 0;
        for (JsonNode m : req.get("messages")) {
            JsonNode c = m.get("content");
            if (c.isTextual()) {
                chars += c.asText().length();
            } else {
                for (JsonNode part : c) {
                    if ("image_url".equals(part.path("type").asText())) {
                        images++;
                    } else {
                        chars += part.path("text").asText("").length();
                    }
                }
            }
        }
        return chars / 4 + 1 + images * IMAGE_TOKENS;
    }

    /**
     * The name of the image's dominant colour: the most common hue family (red, orange, yellow, green, cyan, blue,
     * purple, magenta) among clearly coloured pixels, or white/gray/black when fewer than 5% of pixels are coloured.
     */
    public static String dominantColour(BufferedImage img) {
        String[] names = {"red", "orange", "yellow", "green", "cyan", "blue", "purple", "magenta"};
        int[] counts = new int[names.length];
        int coloured = 0;
        double luma = 0;
        int n = img.getWidth() * img.getHeight();
        float[] hsb = new float[3];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 255;
                int g = (rgb >> 8) & 255;
                int b = rgb & 255;
                luma += 0.299 * r + 0.587 * g + 0.114 * b;
                java.awt.Color.RGBtoHSB(r, g, b, hsb);
                if (hsb[1] >= 0.4f && hsb[2] >= 0.3f) {
                    coloured++;
                    counts[hueFamily(hsb[0] * 360f)]++;
                }
            }
        }
        if (coloured < 0.05 * n) {
            double mean = luma / n;
            return mean > 200 ? "white" : mean < 50 ? "black" : "gray";
        }
        int best = 0;
        for (int i = 1; i < counts.length; i++) {
            if (counts[i] > counts[best]) {
                best = i;
            }
        }
        return names[best];
    }

    private static int hueFamily(float h) {
        if (h < 15 || h >= 345) {
            return 0;
        }
        if (h < 40) {
            return 1;
        }
        if (h < 70) {
            return 2;
        }
        if (h < 170) {
            return 3;
        }
        if (h < 200) {
            return 4;
        }
        if (h < 260) {
            return 5;
        }
        if (h < 290) {
            return 6;
        }
        return 7;
    }

    private String modelsBody() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        var data = root.putArray("data");
        long created = System.currentTimeMillis() / 1000;
        for (String m : models) {
            ObjectNode o = data.addObject();
            o.put("id", m).put("object", "model").put("created", created).put("owned_by", "vllm").put("root", m);
            o.putNull("parent");
            o.put("max_model_len", maxModelLen);
            o.putArray("permission");
        }
        return JSON.writeValueAsString(root);
    }

    private static String error(String message, String type, int code) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message).put("type", type).putNull("param");
        e.put("code", code);
        return root.toString();
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            ex.getResponseHeaders().set("Content-Type", "application/json");
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
    }
}
