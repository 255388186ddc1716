package dev.athanor.helm;

import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.scheduling.v1.PriorityClass;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code helm lint} and {@code helm template} of helm/athanor, with assertions on the rendered objects. */
class HelmChartTest {

    private static final String FULL = "ath-athanor";

    @Test
    void lintsClean() {
        LintResult r = Chart.helm().lint().strict().call();
        assertThat(r.isFailed()).as("lint: %s", r.getMessages()).isFalse();
        assertThat(r.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Test
    void defaultsRenderAHighlyAvailableRestrictedControlPlane() {
        Chart.Rendered r = Chart.render();
        assertThat(r.kinds()).contains("ServiceAccount", "Secret", "ConfigMap", "Role", "RoleBinding", "ClusterRole",
                "ClusterRoleBinding", "Service", "Deployment", "PodDisruptionBudget", "PriorityClass");
        assertThat(r.kinds()).doesNotContain("Ingress", "NetworkPolicy", "ServiceMonitor", "Job",
                "PersistentVolumeClaim");

        Deployment d = r.one(Deployment.class);
        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
        assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        assertThat(pod.getServiceAccountName()).isEqualTo(FULL);
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(pod.getTopologySpreadConstraints()).singleElement()
                .satisfies(t -> assertThat(t.getTopologyKey()).isEqualTo("kubernetes.io/hostname"));
        Container c = pod.getContainers().get(0);
        assertThat(c.getImage()).isEqualTo("ghcr.io/athanor/control-plane:0.1.0-SNAPSHOT");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");

        // probes on the management port (9000), not the API port
        assertThat(c.getPorts()).anySatisfy(p -> {
            assertThat(p.getName()).isEqualTo("management");
            assertThat(p.getContainerPort()).isEqualTo(9000);
        });
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
        assertThat(c.getLivenessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");
        assertThat(c.getReadinessProbe().getHttpGet().getPort().getStrVal()).isEqualTo("management");

        // identity and static Kafka membership = the pod name; secrets only by reference
        Map<String, EnvVar> env = env(c);
        assertThat(env.get("ATHANOR_KUBERNETES_IDENTITY").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.name");
        assertThat(env.get("ATHANOR_KAFKA_INSTANCE_ID").getValueFrom().getFieldRef().getFieldPath())
                .isEqualTo("metadata.name");
        assertThat(env.get("QUARKUS_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("athanor-pg-app");
        assertThat(env.get("ATHANOR_AUTH_BOOTSTRAP_TOKEN").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo(FULL + "-admin-token");
        assertThat(env.values()).allSatisfy(e -> assertThat(e.getName()).doesNotStartWith("ATHANOR_KAFKA_CONFIG_"));

        Properties p = properties(r);
        assertThat(p).containsEntry("config_ordinal", "275")
                .containsEntry("athanor.launcher.kind", "kubernetes")
                .containsEntry("athanor.kubernetes.namespace", "athanor")
                .containsEntry("athanor.kubernetes.lease-name", "athanor-control-plane")
                .containsEntry("athanor.kubernetes.lease-duration", "15s")
                .containsEntry("quarkus.management.port", "9000")
                .containsEntry("quarkus.datasource.jdbc.url", "jdbc:postgresql://athanor-pg-rw:5432/athanor")
                .containsEntry("athanor.kafka.bootstrap-servers", "athanor-kafka-bootstrap:9092")
                .containsEntry("athanor.kubernetes.priority-classes.HIGH", "athanor-high");
        assertThat(p.stringPropertyNames()).noneMatch(k -> k.contains("password") || k.contains("token")
                || k.contains("jaas"));

        // the token: generated, prefixed, kept on uninstall
        Secret token = r.named(Secret.class, FULL + "-admin-token").orElseThrow();
        assertThat(token.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        String t = new String(Base64.getDecoder().decode(token.getData().get("token")), StandardCharsets.UTF_8);
        assertThat(t).startsWith("ath_").hasSizeGreaterThanOrEqualTo(40);

        PodDisruptionBudget pdb = r.one(PodDisruptionBudget.class);
        assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
        assertThat(pdb.getSpec().getSelector().getMatchLabels())
                .isEqualTo(d.getSpec().getSelector().getMatchLabels());
        assertThat(r.all(PriorityClass.class)).extracting(PriorityClass::getValue)
                .containsExactlyInAnyOrder(1000, 10000, 100000, 1000000);
        assertThat(r.named(Service.class, FULL).orElseThrow().getSpec().getPorts()).singleElement()
                .satisfies(sp -> assertThat(sp.getPort()).isEqualTo(8080));
        assertThat(r.one(ServiceAccount.class).getMetadata().getName()).isEqualTo(FULL);
    }

    @Test
    void rbacIsLeastPrivilegeInTheJobsNamespaceAndNodeReadIsASeparateClusterRole() {
        Chart.Rendered r = Chart.render("jobs: {namespace: gpu-jobs}\n");
        Role role = r.one(Role.class);
        assertThat(role.getMetadata().getNamespace()).isEqualTo("gpu-jobs");
        Map<String, List<String>> rules = rules(role.getRules());
        assertThat(rules).containsOnlyKeys("/pods", "/pods/log", "/services", "/events", "events.k8s.io/events",
                "coordination.k8s.io/leases", "/secrets");
        assertThat(rules.get("/pods")).contains("create", "delete", "deletecollection", "list", "watch").doesNotContain("*");
        assertThat(rules.get("/pods/log")).containsExactly("get");
        assertThat(rules.get("/secrets")).containsExactlyInAnyOrder("get", "list", "watch");
        assertThat(rules.get("coordination.k8s.io/leases")).contains("create", "update");
        RoleBinding rb = r.one(RoleBinding.class);
        assertThat(rb.getMetadata().getNamespace()).isEqualTo("gpu-jobs");
        assertThat(rb.getSubjects()).singleElement().satisfies(s -> {
            assertThat(s.getName()).isEqualTo(FULL);
            assertThat(s.getNamespace()).isEqualTo("athanor");
        });
        assertThat(properties(r)).containsEntry("athanor.kubernetes.namespace", "gpu-jobs");

        ClusterRole cr = r.one(ClusterRole.class);
        assertThat(rules(cr.getRules())).containsOnlyKeys("/nodes");
        assertThat(rules(cr.getRules()).get("/nodes")).containsExactlyInAnyOrder("get", "list", "watch");
        assertThat(r.one(ClusterRoleBinding.class).getRoleRef().getName()).isEqualTo(cr.getMetadata().getName());
    }

    @Test
    void namespaceScopedRbacOnly() {
        Chart.Rendered r = Chart.render("rbac: {nodeRead: false}\n");
        assertThat(r.kinds()).contains("Role", "RoleBinding").doesNotContain("ClusterRole", "ClusterRoleBinding");
    }

    @Test
    void externalKafkaWithSaslTakesTheJaasConfigFromASecretAndTrustsTheClusterCa() throws IOException {
        Chart.Rendered r = Chart.render(Files.readString(Chart.dir().resolve("examples/values-strimzi-sasl.yaml")));
        Container c = r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        Map<String, EnvVar> env = env(c);
        assertThat(env.get("ATHANOR_KAFKA_CONFIG_SECURITY_PROTOCOL").getValue()).isEqualTo("SASL_SSL");
        assertThat(env.get("ATHANOR_KAFKA_CONFIG_SASL_MECHANISM").getValue()).isEqualTo("SCRAM-SHA-512");
        EnvVar jaas = env.get("ATHANOR_KAFKA_CONFIG_SASL_JAAS_CONFIG");
        assertThat(jaas.getValue()).isNull();
        assertThat(jaas.getValueFrom().getSecretKeyRef().getName()).isEqualTo("athanor");
        assertThat(jaas.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("sasl.jaas.config");
        assertThat(env.get("ATHANOR_KAFKA_CONFIG_SSL_TRUSTSTORE_TYPE").getValue()).isEqualTo("PEM");
        assertThat(env.get("ATHANOR_KAFKA_CONFIG_SSL_TRUSTSTORE_LOCATION").getValue())
                .isEqualTo("/etc/athanor/kafka-ca/ca.crt");
        assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/etc/athanor/kafka-ca"));
        assertThat(r.one(Deployment.class).getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName())
                        .isEqualTo("athanor-kafka-cluster-ca-cert"));
        assertThat(properties(r)).containsEntry("athanor.kafka.bootstrap-servers",
                "athanor-kafka-kafka-bootstrap.kafka.svc:9093");
    }

    @Test
    void saslWithoutASecretIsRefusedWithTheValueToSet() {
        assertThatThrownBy(() -> Chart.render("kafka: {security: {protocol: SASL_PLAINTEXT}}\n"))
                .hasMessageContaining("kafka.security.saslSecret is required");
    }

    @Test
    void twoFlavorsBecomeNodeSelectorsAndTheBootstrapJobPutsThemWithTeamsAndQuotas() throws IOException {
        Chart.Rendered r = Chart.render(Files.readString(Chart.dir().resolve("examples/values-a100.yaml")),
                Files.readString(Chart.dir().resolve("examples/values-h200.yaml")).replace("teams:", "ignored:")
                        .lines().takeWhile(l -> !l.startsWith("ignored:")).collect(Collectors.joining("\n")));
        Properties p = properties(r);
        assertThat(p).containsEntry("athanor.kubernetes.flavors.a100-80gb.node-selector.\"nvidia.com/gpu.product\"",
                "NVIDIA-A100-SXM4-80GB");
        assertThat(p).containsEntry("athanor.kubernetes.flavors.h200-141gb.node-selector.\"nvidia.com/gpu.product\"",
                "NVIDIA-H200");

        ConfigMap boot = r.named(ConfigMap.class, FULL + "-bootstrap").orElseThrow();
        assertThat(boot.getData()).containsKeys("flavor.a100-80gb.json", "flavor.h200-141gb.json",
                "team.vision.json", "team.nlp.json", "quota.vision.a100-80gb.json", "quota.nlp.a100-80gb.json",
                "bootstrap.sh");
        assertThat(boot.getData().get("flavor.h200-141gb.json")).contains("\"gpuMemoryGb\":141")
                .contains("\"tolerations\":[{\"effect\":\"NoSchedule\",\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\"}]")
                .contains("\"nvidia.com/gpu.product\":\"NVIDIA-H200\"");
        assertThat(boot.getData().get("quota.nlp.a100-80gb.json")).isEqualTo(
                "{\"borrowingLimit\":4,\"lendingLimit\":4,\"nominal\":8}");
        Job job = r.one(Job.class);
        assertThat(job.getMetadata().getName()).isEqualTo(FULL + "-bootstrap-1");
        assertThat(job.getSpec().getTemplate().getSpec().getVolumes())
                .anySatisfy(v -> assertThat(v.getSecret() == null ? null : v.getSecret().getSecretName())
                        .isEqualTo(FULL + "-admin-token"));
    }

    @Test
    void ingressOnAndOff() {
        assertThat(Chart.render().all(Ingress.class)).isEmpty();
        Chart.Rendered r = Chart.render("""
                ingress: {enabled: true, className: nginx, host: athanor.gpu.example, tlsSecretName: athanor-tls}
                """);
        Ingress in = r.one(Ingress.class);
        assertThat(in.getSpec().getIngressClassName()).isEqualTo("nginx");
        assertThat(in.getSpec().getTls()).singleElement().satisfies(t -> {
            assertThat(t.getHosts()).containsExactly("athanor.gpu.example");
            assertThat(t.getSecretName()).isEqualTo("athanor-tls");
        });
        var backend = in.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
        assertThat(backend.getName()).isEqualTo(FULL);
        assertThat(backend.getPort().getName()).isEqualTo("http");
    }

    @Test
    void networkPolicyKeepsWorkersOffTheApiAndLimitsTheirEgress() {
        Chart.Rendered r = Chart.render("""
                networkPolicy:
                  enabled: true
                  workerEgress: {allowCidrs: [10.20.0.0/16]}
                """);
        NetworkPolicy cp = r.named(NetworkPolicy.class, FULL).orElseThrow();
        var api = cp.getSpec().getIngress().get(0);
        assertThat(api.getPorts()).singleElement().satisfies(pt -> assertThat(pt.getPort().getStrVal()).isEqualTo("http"));
        assertThat(api.getFrom()).singleElement().satisfies(peer -> {
            var expr = peer.getPodSelector().getMatchExpressions().get(0);
            assertThat(expr.getKey()).isEqualTo("app.kubernetes.io/name");
            assertThat(expr.getOperator()).isEqualTo("NotIn");
            assertThat(expr.getValues()).containsExactly("athanor-worker");
        });
        var mgmt = cp.getSpec().getIngress().get(1);
        assertThat(mgmt.getPorts().get(0).getPort().getStrVal()).isEqualTo("management");
        assertThat(mgmt.getFrom().get(0).getNamespaceSelector().getMatchLabels())
                .containsEntry("kubernetes.io/metadata.name", "monitoring");

        NetworkPolicy w = r.named(NetworkPolicy.class, FULL + "-workers").orElseThrow();
        assertThat(w.getSpec().getPodSelector().getMatchLabels()).containsEntry("app.kubernetes.io/managed-by", "athanor");
        assertThat(w.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(w.getSpec().getEgress()).anySatisfy(e -> assertThat(e.getPorts()).anySatisfy(
                pt -> assertThat(pt.getPort().getIntVal()).isEqualTo(9092)));
        assertThat(w.getSpec().getEgress()).anySatisfy(e -> assertThat(e.getTo()).anySatisfy(
                to -> assertThat(to.getIpBlock() == null ? null : to.getIpBlock().getCidr()).isEqualTo("10.20.0.0/16")));
    }

    @Test
    void serviceMonitorScrapesTheManagementPort() {
        Chart.Rendered r = Chart.render("serviceMonitor: {enabled: true, labels: {release: prom}}\n");
        GenericKubernetesResource sm = r.all(GenericKubernetesResource.class).stream()
                .filter(o -> o.getKind().equals("ServiceMonitor")).findFirst().orElseThrow();
        assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
        Map<String, Object> endpoint = sm.get("spec", "endpoints", 0);
        assertThat(endpoint).containsEntry("port", "management").containsEntry("path", "/q/metrics");
        Service mgmt = r.named(Service.class, FULL + "-management").orElseThrow();
        assertThat(mgmt.getSpec().getPorts().get(0).getPort()).isEqualTo(9000);
        Map<String, String> selector = sm.get("spec", "selector", "matchLabels");
        assertThat(mgmt.getMetadata().getLabels()).containsAllEntriesOf(selector);
        assertThat(r.named(Service.class, FULL).orElseThrow().getMetadata().getLabels())
                .doesNotContainKey("athanor.dev/port");
    }

    @Test
    void volumesAndWorkerImagesPerEngine() {
        Chart.Rendered r = Chart.render("""
                volumes:
                  datasets: {enabled: true, create: true, size: 2Ti, storageClass: cephfs}
                  outputs: {enabled: true}
                worker:
                  images: {FINE_TUNE: ghcr.io/athanor/worker-train:0.1.0, LABELING: ghcr.io/athanor/worker-vllm:0.1.0}
                """);
        Properties p = properties(r);
        assertThat(p).containsEntry("athanor.kubernetes.volumes.datasets.claim-name", "athanor-datasets")
                .containsEntry("athanor.kubernetes.volumes.datasets.read-only", "true")
                .containsEntry("athanor.kubernetes.volumes.outputs.read-only", "false")
                .containsEntry("athanor.kubernetes.volumes.outputs.mount-path", "/outputs")
                .containsEntry("athanor.kubernetes.engine-images.FINE_TUNE", "ghcr.io/athanor/worker-train:0.1.0");
        var pvc = r.one(io.fabric8.kubernetes.api.model.PersistentVolumeClaim.class);
        assertThat(pvc.getMetadata().getName()).isEqualTo("athanor-datasets");
        assertThat(pvc.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");
        assertThat(pvc.getSpec().getStorageClassName()).isEqualTo("cephfs");
    }

    @Test
    void theGeneratedTokenIsKeptOnUpgrade() {
        TemplateApiServer api = TemplateApiServer.get();
        String kept = Base64.getEncoder().encodeToString("ath_kept-from-the-first-install-0123456789ab".getBytes(
                StandardCharsets.UTF_8));
        api.putSecret(Chart.NAMESPACE, FULL + "-admin-token", """
                {"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s","namespace":"%s"},"data":{"token":"%s"}}"""
                .formatted(FULL + "-admin-token", Chart.NAMESPACE, kept));
        try {
            Secret again = Chart.render().named(Secret.class, FULL + "-admin-token").orElseThrow();
            assertThat(again.getData()).containsEntry("token", kept);
        } finally {
            api.clear();
        }
        // without one, each render generates a fresh random token
        assertThat(Chart.render().one(Secret.class).getData().get("token"))
                .isNotEqualTo(Chart.render().one(Secret.class).getData().get("token")).isNotEqualTo(kept);
    }

    @Test
    void anExistingTokenSecretIsUsedAndNoneIsGenerated() {
        Chart.Rendered r = Chart.render("auth: {existingSecret: my-admin, tokenKey: value}\n");
        assertThat(r.all(Secret.class)).isEmpty();
        EnvVar e = env(r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0))
                .get("ATHANOR_AUTH_BOOTSTRAP_TOKEN");
        assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("my-admin");
        assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("value");
    }

    @Test
    void theSchemaRejectsWrongValuesNamingThem() {
        assertThatThrownBy(() -> Chart.render("replicaCount: two\n"))
                .hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining("/replicaCount").hasMessageContaining("want integer");
        assertThatThrownBy(() -> Chart.render("replicas: 3\n"))
                .hasMessageContaining("additional properties 'replicas' not allowed");
        assertThatThrownBy(() -> Chart.render("kafka: {security: {protocol: SASL}}\n"))
                .hasMessageContaining("at '/kafka/security/protocol': value must be one of 'PLAINTEXT'");
        assertThatThrownBy(() -> Chart.render("postgresql: {url: 'postgres://db/athanor'}\n"))
                .hasMessageContaining("at '/postgresql/url'");
        assertThatThrownBy(() -> Chart.render("flavors: {h200: {gpuMemoryGb: 141}}\n"))
                .hasMessageContaining("at '/flavors/h200'").hasMessageContaining("nodeLabels");
        assertThatThrownBy(() -> Chart.render("teams: [{name: vision, quotas: {h200: {nominal: -1}}}]\n"))
                .hasMessageContaining("at '/teams/0/quotas/h200/nominal'");
        assertThatThrownBy(() -> Chart.render("postgresql: {existingSecret: null}\n"))
                .hasMessageContaining("at '/postgresql'").hasMessageContaining("existingSecret");
        assertThatThrownBy(() -> Chart.render("leaderElection: {leaseDuration: 15}\n"))
                .hasMessageContaining("at '/leaderElection/leaseDuration'");
    }

    static Map<String, EnvVar> env(Container c) {
        return c.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    }

    static Properties properties(Chart.Rendered r) {
        ConfigMap cm = r.named(ConfigMap.class, FULL).orElseThrow();
        Properties p = new Properties();
        try {
            p.load(new StringReader(cm.getData().get("application.properties")));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return p;
    }

    /** "apiGroup/resource" → verbs. */
    static Map<String, List<String>> rules(List<PolicyRule> rules) {
        return rules.stream().flatMap(rule -> rule.getResources().stream().flatMap(res -> rule.getApiGroups().stream()
                        .map(g -> Map.entry(g + "/" + res, rule.getVerbs()))))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }
}
