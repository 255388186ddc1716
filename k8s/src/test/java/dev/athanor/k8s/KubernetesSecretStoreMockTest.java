package dev.athanor.k8s;

import dev.athanor.common.secret.SecretStore;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Kubernetes team-secret store against Fabric8's mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class KubernetesSecretStoreMockTest {
    static KubernetesClient client;
    private SecretStore store;

    @BeforeEach
    void clean() {
        client.secrets().inNamespace(Fixtures.NS).delete();
        store = new KubernetesSecretStore(client, Fixtures.NS, "value");
    }

    private Secret raw(String name) {
        return client.secrets().inNamespace(Fixtures.NS).withName(name).get();
    }

    @Test
    void aSecretIsALabelledKubernetesSecretNamedAfterItsTeam() {
        SecretStore.Written w = store.put("vision", "vlm-key", "s3cret");
        assertThat(w.created()).isTrue();
        assertThat(w.entry().name()).isEqualTo("vlm-key");
        assertThat(w.entry().updatedAt()).isNotNull();

        Secret s = raw("athanor-team.vision.vlm-key");
        assertThat(s.getMetadata().getLabels()).containsEntry("athanor.dev/team", "vision")
                .containsEntry("athanor.dev/secret", "vlm-key").containsEntry("app.kubernetes.io/managed-by", "athanor");
        assertThat(new String(Base64.getDecoder().decode(s.getData().get("value")), StandardCharsets.UTF_8))
                .isEqualTo("s3cret");
        assertThat(store.value("vision", "vlm-key")).contains("s3cret");

        SecretStore.Written again = store.put("vision", "vlm-key", "rotated");
        assertThat(again.created()).isFalse();
        assertThat(store.value("vision", "vlm-key")).contains("rotated");
        assertThat(store.list("vision")).extracting(SecretStore.Entry::name).containsExactly("vlm-key");
    }

    @Test
    void teamsNeverSeeOrReachEachOthersSecrets() {
        store.put("team-a", "key", "a-value");
        store.put("team-a-key", "x", "other");
        assertThat(store.list("team-b")).isEmpty();
        assertThat(store.find("team-b", "key")).isEmpty();
        assertThat(store.value("team-b", "key")).isEmpty();
        assertThat(store.delete("team-b", "key")).isFalse();
        assertThat(raw("athanor-team.team-a.key")).isNotNull();
        // names that look alike across teams still map to different Secrets
        assertThat(store.list("team-a")).extracting(SecretStore.Entry::name).containsExactly("key");
        assertThat(store.delete("team-a", "key")).isTrue();
        assertThat(raw("athanor-team.team-a.key")).isNull();
    }

    @Test
    void aSecretNotLabelledAsTheTeamsIsNeitherUsedNorOverwritten() {
        client.secrets().inNamespace(Fixtures.NS).resource(new SecretBuilder().withNewMetadata()
                .withName("athanor-team.vision.vlm-key").withNamespace(Fixtures.NS).endMetadata()
                .addToData("value", Base64.getEncoder().encodeToString("planted".getBytes(StandardCharsets.UTF_8)))
                .build()).create();
        assertThat(store.find("vision", "vlm-key")).isEmpty();
        assertThat(store.value("vision", "vlm-key")).isEmpty();
        assertThatThrownBy(() -> store.put("vision", "vlm-key", "x")).isInstanceOf(IllegalStateException.class);
        assertThat(store.delete("vision", "vlm-key")).isFalse();
        assertThat(raw("athanor-team.vision.vlm-key")).isNotNull();
    }
}
