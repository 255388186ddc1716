package dev.athanor.k8s;

import dev.athanor.common.secret.SecretNames;
import dev.athanor.common.secret.SecretStore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Team secrets as Kubernetes Secrets in the workers' namespace: Secret {@link SecretNames#kubernetesName
 * athanor-team.<team>.<name>}, labelled with the team and the secret's name, the value under {@code key}. A Secret
 * counts as a team's only when its labels say so, so a Secret someone else created under that name is never used.
 * Worker pods reach the value through a {@code secretKeyRef}; the control plane never reads it back.
 */
public final class KubernetesSecretStore implements SecretStore {
    public static final String SECRET_LABEL = "athanor.dev/secret";
    public static final String COMPONENT = "app.kubernetes.io/component";
    public static final String TEAM_SECRET = "team-secret";
    /** Annotation: when the value was last written (ISO-8601); creation is the Secret's creationTimestamp. */
    public static final String UPDATED_ANNOTATION = "athanor.dev/updated-at";

    private final KubernetesClient client;
    private final String namespace;
    private final String key;

    public KubernetesSecretStore(KubernetesClient client, String namespace, String key) {
        this.client = client;
        this.namespace = namespace;
        this.key = key;
    }

    private static Map<String, String> labels(String team) {
        return Map.of(Labels.MANAGED_BY, Labels.ATHANOR, COMPONENT, TEAM_SECRET, Labels.TEAM, team);
    }

    @Override
    public List<Entry> list(String team) {
        check(team, "x");
        return client.secrets().inNamespace(namespace).withLabels(labels(team)).list().getItems().stream()
                .filter(s -> owned(s, team, s.getMetadata().getLabels().get(SECRET_LABEL)))
                .map(KubernetesSecretStore::entry)
                .sorted(Comparator.comparing(Entry::name)).toList();
    }

    @Override
    public Optional<Entry> find(String team, String name) {
        return get(team, name).map(KubernetesSecretStore::entry);
    }

    /** The value as the worker pod would see it; the control plane itself never needs it. */
    @Override
    public Optional<String> value(String team, String name) {
        if (!SecretNames.valid(team) || !SecretNames.valid(name)) {
            return Optional.empty();
        }
        return get(team, name).map(s -> s.getData() == null ? null : s.getData().get(key))
                .map(v -> new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8));
    }

    @Override
    public Written put(String team, String name, String value) {
        check(team, name);
        for (int tries = 1; ; tries++) {
            try {
                return write(team, name, value);
            } catch (KubernetesClientException e) {
                // another replica created or changed it between our read and write: read again
                if (e.getCode() != 409 || tries >= 5) {
                    throw e;
                }
            }
        }
    }

    private Written write(String team, String name, String value) {
        String k8sName = SecretNames.kubernetesName(team, name);
        String data = Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
        String now = Instant.now().toString();
        Secret existing = client.secrets().inNamespace(namespace).withName(k8sName).get();
        if (existing != null && !owned(existing, team, name)) {
            throw new IllegalStateException("Secret " + namespace + "/" + k8sName
                    + " exists but is not labelled as team " + team + "'s secret " + name + "; it was left alone");
        }
        Secret s = new SecretBuilder().withNewMetadata().withName(k8sName).withNamespace(namespace)
                .addToLabels(labels(team)).addToLabels(SECRET_LABEL, name)
                .addToAnnotations(UPDATED_ANNOTATION, now).endMetadata()
                .withType("Opaque").withImmutable(false).addToData(key, data).build();
        Secret written;
        if (existing == null) {
            written = client.secrets().inNamespace(namespace).resource(s).create();
        } else {
            s.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
            written = client.secrets().inNamespace(namespace).resource(s).update();
        }
        return new Written(entry(written), existing == null);
    }

    @Override
    public boolean delete(String team, String name) {
        Optional<Secret> s = get(team, name);
        if (s.isEmpty()) {
            return false;
        }
        client.secrets().inNamespace(namespace).withName(s.get().getMetadata().getName()).delete();
        return true;
    }

    private Optional<Secret> get(String team, String name) {
        check(team, name);
        Secret s = client.secrets().inNamespace(namespace).withName(SecretNames.kubernetesName(team, name)).get();
        return s != null && owned(s, team, name) ? Optional.of(s) : Optional.empty();
    }

    private static boolean owned(Secret s, String team, String name) {
        Map<String, String> l = s.getMetadata() == null ? null : s.getMetadata().getLabels();
        return l != null && Labels.ATHANOR.equals(l.get(Labels.MANAGED_BY)) && TEAM_SECRET.equals(l.get(COMPONENT))
                && team.equals(l.get(Labels.TEAM)) && name != null && name.equals(l.get(SECRET_LABEL))
                && s.getMetadata().getName().equals(SecretNames.kubernetesName(team, name));
    }

    private static Entry entry(Secret s) {
        String created = s.getMetadata().getCreationTimestamp();
        String updated = s.getMetadata().getAnnotations() == null ? null
                : s.getMetadata().getAnnotations().get(UPDATED_ANNOTATION);
        Instant c = created == null ? null : Instant.parse(created);
        Instant u = updated == null ? c : Instant.parse(updated);
        return new Entry(s.getMetadata().getLabels().get(SECRET_LABEL), c == null ? u : c, u);
    }

    private static void check(String team, String name) {
        if (!SecretNames.valid(team) || !SecretNames.valid(name)) {
            throw new IllegalArgumentException("team and secret names must be DNS labels: " + team + "/" + name);
        }
    }

    @Override
    public String toString() {
        return "KubernetesSecretStore[" + namespace + "]";
    }
}
