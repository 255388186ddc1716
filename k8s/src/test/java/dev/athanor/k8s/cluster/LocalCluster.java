package dev.athanor.k8s.cluster;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real control plane on loopback: etcd, kube-apiserver and kube-scheduler built by {@code k8s-cluster/build.sh}
 * (no kubelet, no controller manager: {@link SimulatedKubelet} plays the nodes). The API server generates its own
 * self-signed serving certificate; clients authenticate with a static token (a {@code system:masters} admin);
 * authorization is AlwaysAllow, or Node,RBAC with {@link #startWithRbac} (the admin may impersonate any user, e.g. a
 * ServiceAccount, to check what RBAC lets it do: {@link #clientAs}).
 */
public final class LocalCluster implements AutoCloseable {
    public static final String VERSION = System.getProperty("athanor.k8s.version", "v1.34.4");

    private final Path dir;
    private final String token = UUID.randomUUID().toString();
    private final List<Process> processes = new ArrayList<>();
    private final boolean rbac;
    private int apiPort;
    private KubernetesClient client;

    private LocalCluster(Path dir, boolean rbac) {
        this.dir = dir;
        this.rbac = rbac;
    }

    /** Where build.sh caches the binaries, or null when they are absent (see {@link ClusterBinaries}). */
    public static Path binaries() {
        Path d = ClusterBinaries.location(VERSION);
        return ClusterBinaries.missing(d).isEmpty() ? d : null;
    }

    /** Where build.sh caches the binaries; fails naming the location when one is missing. */
    public static Path requireBinaries() {
        return ClusterBinaries.require(ClusterBinaries.location(VERSION));
    }

    public static LocalCluster start(Path dir) throws Exception {
        return start(dir, false);
    }

    /** A cluster whose API server authorizes with {@code --authorization-mode=Node,RBAC}. */
    public static LocalCluster startWithRbac(Path dir) throws Exception {
        return start(dir, true);
    }

    private static LocalCluster start(Path dir, boolean rbac) throws Exception {
        LocalCluster c = new LocalCluster(dir, rbac);
        try {
            c.boot();
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void boot() throws Exception {
        Path bin = requireBinaries();
        Files.createDirectories(dir);
        int etcdPort = freePort();
        int peerPort = freePort();
        apiPort = freePort();
        int schedPort = freePort();
        processes.add(spawn("etcd", List.of(bin.resolve("etcd").toString(), "--name", "default",
                "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + etcdPort,
                "--advertise-client-urls", "http://127.0.0.1:" + etcdPort,
                "--listen-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-advertise-peer-urls", "http://127.0.0.1:" + peerPort,
                "--initial-cluster", "default=http://127.0.0.1:" + peerPort,
                "--unsafe-no-fsync", "--log-level", "warn")));

        Path saKey = dir.resolve("sa.key");
        KeyPairGenerator kpg = KeyPairGenerator.getInstance("RSA");
        kpg.initialize(2048);
        Files.writeString(saKey, "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(kpg.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        Path tokens = dir.resolve("tokens.csv");
        Files.writeString(tokens, token + ",athanor-admin,athanor-admin,\"system:masters\"\n");
        processes.add(spawn("kube-apiserver", List.of(bin.resolve("kube-apiserver").toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--secure-port=" + apiPort, "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
                "--cert-dir=" + dir.resolve("certs"),
                "--service-account-issuer=https://kubernetes.default.svc",
                "--service-account-key-file=" + saKey, "--service-account-signing-key-file=" + saKey,
                "--token-auth-file=" + tokens, "--authorization-mode=" + (rbac ? "Node,RBAC" : "AlwaysAllow"),
                "--service-cluster-ip-range=10.96.0.0/24",
                "--disable-admission-plugins=ServiceAccount",
                "--v=0")));
        awaitReady(Duration.ofSeconds(90));

        Path kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, String.join("\n",
                "apiVersion: v1", "kind: Config",
                "clusters:", "- name: local", "  cluster:", "    server: https://127.0.0.1:" + apiPort,
                "    insecure-skip-tls-verify: true",
                "users:", "- name: admin", "  user:", "    token: " + token,
                "contexts:", "- name: local", "  context:", "    cluster: local", "    user: admin",
                "current-context: local", ""));
        processes.add(spawn("kube-scheduler", List.of(bin.resolve("kube-scheduler").toString(),
                "--kubeconfig=" + kubeconfig, "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig, "--leader-elect=false",
                "--bind-address=127.0.0.1", "--secure-port=" + schedPort, "--v=0")));
        client = newClient();
    }

    /** A fresh client (each one has its own connections). */
    public KubernetesClient newClient() {
        return new KubernetesClientBuilder().withConfig(adminConfig().build()).build();
    }

    private ConfigBuilder adminConfig() {
        return new ConfigBuilder(Config.empty()).withMasterUrl("https://127.0.0.1:" + apiPort)
                .withOauthToken(token).withTrustCerts(true).withDisableHostnameVerification(true)
                .withNamespace("default").withRequestTimeout(30_000).withConnectionTimeout(10_000)
                .withMaxConcurrentRequests(256).withMaxConcurrentRequestsPerHost(256);
    }

    /**
     * A client that acts as {@code user} in {@code groups} (impersonation by the admin): with RBAC on, it may do
     * exactly what that user's bindings allow. For a ServiceAccount: {@code system:serviceaccount:<ns>:<name>} in
     * {@code system:serviceaccounts}, {@code system:serviceaccounts:<ns>} and {@code system:authenticated}.
     */
    public KubernetesClient clientAs(String user, String... groups) {
        Config cfg = adminConfig().withImpersonateUsername(user).withImpersonateGroups(groups).build();
        return new KubernetesClientBuilder().withConfig(cfg).build();
    }

    public KubernetesClient client() {
        return client;
    }

    public Path dir() {
        return dir;
    }

    private Process spawn(String name, List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile());
        return pb.start();
    }

    private void awaitReady(Duration timeout) throws Exception {
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, new TrustManager[]{new X509TrustManager() {
            public void checkClientTrusted(X509Certificate[] c, String a) {
            }

            public void checkServerTrusted(X509Certificate[] c, String a) {
            }

            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, new SecureRandom());
        HttpClient http = HttpClient.newBuilder().sslContext(ssl).connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a control plane process exited early (" + p.exitValue()
                            + "); logs in " + dir);
                }
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + apiPort
                        + "/readyz")).header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            TimeUnit.MILLISECONDS.sleep(200);
        }
        throw new IllegalStateException("kube-apiserver not ready after " + timeout + ": " + last);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        if (client != null) {
            client.close();
        }
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            p.destroy();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public static void deleteTree(Path p) {
        try (var s = Files.walk(p)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
