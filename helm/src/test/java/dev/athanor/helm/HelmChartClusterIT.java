package dev.athanor.helm;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.athanor.common.job.JobKind;
import dev.athanor.common.job.Priority;
import dev.athanor.common.job.Resources;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.WorkerJob;
import dev.athanor.k8s.KubernetesLauncherConfig;
import dev.athanor.k8s.LeaderElection;
import dev.athanor.k8s.WorkerPodModel;
import dev.athanor.k8s.cluster.LocalCluster;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The chart on a real kube-apiserver with {@code --authorization-mode=Node,RBAC} (module k8s' LocalCluster): every
 * rendered object is accepted, and the chart's ServiceAccount (impersonated) can do exactly what the control plane
 * needs in the jobs namespace (worker pods of a gang with their headless service, logs, events, the leader Lease,
 * reading team secrets) and nothing else (secrets elsewhere or cluster-wide, nodes unless {@code rbac.nodeRead}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HelmChartClusterIT {
    static final String NS = Chart.NAMESPACE;
    static final String JOBS = "gpu-jobs";
    static final String SA = "system:serviceaccount:" + NS + ":ath-athanor";
    static final String VALUES = """
            jobs: {namespace: gpu-jobs}
            rbac: {nodeRead: false}
            ingress: {enabled: true, host: athanor.test}
            networkPolicy: {enabled: true}
            volumes:
              datasets: {enabled: true, create: true, size: 1Gi}
              outputs: {enabled: true, create: true, size: 1Gi}
            """;

    static Path tmp;
    static LocalCluster cluster;
    static KubernetesClient admin;
    static KubernetesClient sa;
    static List<HasMetadata> applied = new ArrayList<>();

    @BeforeAll
    static void install() throws Exception {
        assertThat(LocalCluster.binaries()).as("k8s binaries %s: run k8s-cluster/build.sh (or leave this suite out"
                + " with -DskipClusterTests)", LocalCluster.VERSION).isNotNull();
        tmp = Files.createTempDirectory("athanor-helm-it");
        cluster = LocalCluster.startWithRbac(tmp.resolve("cluster"));
        admin = cluster.client();
        for (String ns : List.of(NS, JOBS, "other")) {
            admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
                    .create();
        }
        Chart.useCluster(cluster.dir().resolve("kubeconfig"));
        for (HasMetadata o : Chart.render(VALUES, a100()).objects()) {
            applied.add(admin.resource(o).create());
        }
        sa = cluster.clientAs(SA, "system:serviceaccounts", "system:serviceaccounts:" + NS, "system:authenticated");
    }

    @AfterAll
    static void stop() {
        if (sa != null) {
            sa.close();
        }
        if (cluster != null) {
            cluster.close();
        }
        if (tmp != null && !Boolean.getBoolean("athanor.k8s.keep")) {
            LocalCluster.deleteTree(tmp);
        }
    }

    @Test
    @Order(1)
    void everyRenderedObjectIsAcceptedByTheApiServer() {
        assertThat(applied).extracting(HasMetadata::getKind).contains("ServiceAccount", "Secret", "ConfigMap",
                "Role", "RoleBinding", "Service", "Deployment", "PodDisruptionBudget", "PriorityClass", "Ingress",
                "NetworkPolicy", "PersistentVolumeClaim", "Job");
        for (HasMetadata o : applied) {
            assertThat(admin.resource(o).get()).as("%s %s", o.getKind(), o.getMetadata().getName()).isNotNull();
        }
    }

    @Test
    @Order(2)
    void theServiceAccountRunsAGangOfWorkerPodsWithItsServiceInTheJobsNamespace() {
        KubernetesLauncherConfig config = KubernetesLauncherConfig.builder(JOBS, "ghcr.io/athanor/worker:test")
                .kafkaBootstrap("kafka:9092").priorityClass(Priority.HIGH, "athanor-high").build();
        WorkerPodModel model = new WorkerPodModel(config);
        LaunchRequest req = gang(2);
        Service svc = sa.services().inNamespace(JOBS).resource(model.service(req)).create();
        List<Pod> pods = model.pods(req, Priority.HIGH);
        for (Pod p : pods) {
            sa.pods().inNamespace(JOBS).resource(p).create();
        }
        Map<String, String> attempt = Map.of("athanor.dev/job", req.key().jobId().toString());
        assertThat(sa.pods().inNamespace(JOBS).withLabels(attempt).list().getItems()).hasSize(2)
                .allSatisfy(p -> assertThat(p.getSpec().getPriorityClassName()).isEqualTo("athanor-high"));
        try (var w = sa.pods().inNamespace(JOBS).withLabels(attempt).watch(new io.fabric8.kubernetes.client.Watcher<>() {
            public void eventReceived(Action action, Pod resource) {
            }

            public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {
            }
        })) {
            assertThat(w).isNotNull();
        }
        // logs: authorized (an unbound pod has no log to give, but the answer is never 403)
        String pod0 = pods.get(0).getMetadata().getName();
        try {
            sa.pods().inNamespace(JOBS).withName(pod0).getLog();
        } catch (KubernetesClientException e) {
            assertThat(e.getCode()).as(e.getMessage()).isNotEqualTo(403);
        }
        assertThat(allowed("get", "pods", "log", JOBS)).isTrue();

        sa.pods().inNamespace(JOBS).withLabels(attempt).withGracePeriod(0).delete();
        sa.services().inNamespace(JOBS).withName(svc.getMetadata().getName()).delete();
        await().atMost(Duration.ofSeconds(30)).until(() -> sa.pods().inNamespace(JOBS).withLabels(attempt).list()
                .getItems().isEmpty() && sa.services().inNamespace(JOBS).withName(svc.getMetadata().getName()).get() == null);
    }

    @Test
    @Order(3)
    void theServiceAccountTakesTheLeaderLeaseAndReadsEventsAndTeamSecrets() {
        try (LeaderElection election = new LeaderElection(sa, JOBS, "athanor-control-plane", "ath-athanor-0").start()) {
            await().atMost(Duration.ofSeconds(30)).until(election::isLeader);
        }
        assertThat(admin.leases().inNamespace(JOBS).withName("athanor-control-plane").get().getSpec()
                .getHolderIdentity()).isEqualTo("ath-athanor-0");
        assertThat(sa.v1().events().inNamespace(JOBS).list()).isNotNull();
        admin.secrets().inNamespace(JOBS).resource(new SecretBuilder().withNewMetadata().withName("vlm-key")
                .endMetadata().addToStringData("value", "k").build()).create();
        assertThat(sa.secrets().inNamespace(JOBS).withName("vlm-key").get()).isNotNull();
        // read-only: the control plane never writes team secrets
        forbidden(() -> sa.secrets().inNamespace(JOBS).resource(new SecretBuilder().withNewMetadata()
                .withName("made-up").endMetadata().build()).create());
    }

    @Test
    @Order(4)
    void theServiceAccountCannotReachBeyondTheJobsNamespace() {
        forbidden(() -> sa.secrets().inAnyNamespace().list());
        forbidden(() -> sa.secrets().inNamespace("other").list());
        forbidden(() -> sa.secrets().inNamespace(NS).list());
        forbidden(() -> sa.pods().inNamespace("other").list());
        forbidden(() -> sa.pods().inAnyNamespace().list());
        forbidden(() -> sa.apps().deployments().inNamespace(JOBS).list());
        forbidden(() -> sa.rbac().roles().inNamespace(JOBS).list());
        forbidden(() -> sa.namespaces().withName(JOBS).delete());
        forbidden(() -> sa.nodes().list()); // rbac.nodeRead=false
        assertThat(allowed("create", "pods", null, "other")).isFalse();
    }

    @Test
    @Order(5)
    void nodeReadIsGrantedOnlyByItsClusterRole() {
        Chart.Rendered withNodeRead = Chart.render(VALUES, a100(), "rbac: {nodeRead: true}\n");
        admin.resource(withNodeRead.one(ClusterRole.class)).create();
        admin.resource(withNodeRead.one(ClusterRoleBinding.class)).create();
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> sa.nodes().list() != null);
        assertThat(allowed("watch", "nodes", null, null)).isTrue();
        assertThat(allowed("delete", "nodes", null, null)).isFalse();
        forbidden(() -> sa.secrets().inAnyNamespace().list());
    }

    @Test
    @Order(6)
    void theGeneratedAdminTokenIsKeptWhenTheChartIsRenderedAgainstTheCluster() {
        Secret installed = admin.secrets().inNamespace(NS).withName("ath-athanor-admin-token").get();
        Secret again = Chart.render(VALUES, a100()).named(Secret.class, "ath-athanor-admin-token").orElseThrow();
        assertThat(again.getData().get("token")).isEqualTo(installed.getData().get("token"));
    }

    @Test
    @Order(7)
    void helmInstallsUpgradesWithTheSameTokenAndUninstallsKeepingOnlyTheTokenAndTheClaims() {
        String ns = "athanor-helm";
        Path kubeconfig = cluster.dir().resolve("kubeconfig");
        Path values = Chart.valuesFile("""
                priorityClasses: {create: false}
                rbac: {nodeRead: false}
                volumes:
                  datasets: {enabled: true, create: true, claimName: rel2-datasets, size: 1Gi}
                """);
        var installed = Chart.helm().install().withName("rel2").withNamespace(ns).createNamespace()
                .withKubeConfig(kubeconfig).withValuesFile(values).call();
        assertThat(installed.getStatus()).isEqualTo("deployed");
        String token = admin.secrets().inNamespace(ns).withName("rel2-athanor-admin-token").get().getData().get("token");
        assertThat(admin.apps().deployments().inNamespace(ns).withName("rel2-athanor").get().getSpec().getReplicas())
                .isEqualTo(2);

        var upgraded = Chart.helm().upgrade().withName("rel2").withNamespace(ns).withKubeConfig(kubeconfig)
                .withValuesFile(values).withValuesFile(Chart.valuesFile("replicaCount: 3\n")).call();
        assertThat(upgraded.getRevision()).isEqualTo("2");
        assertThat(admin.apps().deployments().inNamespace(ns).withName("rel2-athanor").get().getSpec().getReplicas())
                .isEqualTo(3);
        assertThat(admin.secrets().inNamespace(ns).withName("rel2-athanor-admin-token").get().getData().get("token"))
                .as("the admin token survives the upgrade").isEqualTo(token);

        com.marcnuri.helm.Helm.uninstall("rel2").withNamespace(ns).withKubeConfig(kubeconfig).call();
        await().atMost(Duration.ofSeconds(30)).until(() ->
                admin.apps().deployments().inNamespace(ns).withName("rel2-athanor").get() == null);
        assertThat(admin.rbac().roles().inNamespace(ns).withName("rel2-athanor").get()).isNull();
        assertThat(admin.serviceAccounts().inNamespace(ns).withName("rel2-athanor").get()).isNull();
        assertThat(admin.configMaps().inNamespace(ns).withName("rel2-athanor").get()).isNull();
        assertThat(admin.services().inNamespace(ns).list().getItems()).isEmpty();
        // what docs/install.md says is kept
        assertThat(admin.secrets().inNamespace(ns).withName("rel2-athanor-admin-token").get().getData().get("token"))
                .isEqualTo(token);
        assertThat(admin.persistentVolumeClaims().inNamespace(ns).withName("rel2-datasets").get()).isNotNull();
    }

    static String a100() {
        try {
            return Files.readString(Chart.dir().resolve("examples/values-a100.yaml"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static LaunchRequest gang(int workers) {
        AttemptKey key = new AttemptKey(UUID.randomUUID(), 1);
        Resources r = new Resources(1, workers, "a100-80gb", 4.0, "32Gi");
        WorkerJob job = new WorkerJob(key.jobId(), 1, 0, "lora", "vision", JobKind.FINE_TUNE, r,
                JsonNodeFactory.instance.objectNode().put("dataset", "train/labels.jsonl"));
        return new LaunchRequest(key, job, r, List.of(), Duration.ofHours(1), null);
    }

    static void forbidden(ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(KubernetesClientException.class,
                e -> assertThat(e.getCode()).as(e.getMessage()).isEqualTo(403));
    }

    /** A SubjectAccessReview for the chart's ServiceAccount, asked by the admin. */
    static boolean allowed(String verb, String resource, String subresource, String namespace) {
        SubjectAccessReview r = admin.authorization().v1().subjectAccessReview().create(
                new SubjectAccessReviewBuilder().withNewSpec().withUser(SA)
                        .withGroups("system:serviceaccounts", "system:serviceaccounts:" + NS, "system:authenticated")
                        .withNewResourceAttributes().withVerb(verb).withResource(resource).withSubresource(subresource)
                        .withNamespace(namespace).endResourceAttributes().endSpec().build());
        return r.getStatus().getAllowed();
    }
}
