package dev.athanor.helm;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The smallest API server that Helm's {@code lookup} needs during {@code helm template} through helm-java (which,
 * unlike the helm CLI, renders with the cluster reachable): discovery of {@code v1} and GET of one Secret. The
 * surefire configuration points KUBECONFIG at the file this writes. Secrets put here are what {@code lookup} finds,
 * so the chart's "generate the admin token once, then keep it" is tested for real.
 */
final class TemplateApiServer {
    private static TemplateApiServer instance;

    private final HttpServer server;
    private final Map<String, String> secrets = new ConcurrentHashMap<>();

    private TemplateApiServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new IllegalStateException("KUBECONFIG is not set: run through Maven (helm/pom.xml sets it)");
        }
        String url = "http://127.0.0.1:" + server.getAddress().getPort();
        Path file = Path.of(kubeconfig);
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters: [{name: t, cluster: {server: "%s"}}]
                users: [{name: t, user: {token: t}}]
                contexts: [{name: t, context: {cluster: t, user: t, namespace: athanor}}]
                current-context: t
                """.formatted(url));
    }

    static synchronized TemplateApiServer get() {
        if (instance == null) {
            try {
                instance = new TemplateApiServer();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return instance;
    }

    /** Makes {@code lookup "v1" "Secret" namespace name} return this Secret (JSON). */
    void putSecret(String namespace, String name, String json) {
        secrets.put(namespace + "/" + name, json);
    }

    void clear() {
        secrets.clear();
    }

    private void handle(HttpExchange x) throws IOException {
        String path = x.getRequestURI().getPath();
        String[] p = path.split("/");
        if (path.equals("/api/v1")) {
            reply(x, 200, """
                    {"kind":"APIResourceList","apiVersion":"v1","groupVersion":"v1","resources":[
                    {"name":"secrets","singularName":"secret","namespaced":true,"kind":"Secret","verbs":["get","list"]}]}""");
        } else if (path.equals("/version")) {
            reply(x, 200, "{\"major\":\"1\",\"minor\":\"34\",\"gitVersion\":\"v1.34.4\"}");
        } else if (p.length == 7 && p[3].equals("namespaces") && p[5].equals("secrets")
                && secrets.containsKey(p[4] + "/" + p[6])) {
            reply(x, 200, secrets.get(p[4] + "/" + p[6]));
        } else {
            reply(x, 404, """
                    {"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"%s not found"}"""
                    .formatted(path));
        }
    }

    private static void reply(HttpExchange x, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        x.sendResponseHeaders(code, b.length);
        x.getResponseBody().write(b);
        x.close();
    }
}
