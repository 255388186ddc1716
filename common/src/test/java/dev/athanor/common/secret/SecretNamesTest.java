package dev.athanor.common.secret;

import dev.athanor.common.launch.WorkerContract;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecretNamesTest {

    @Test
    void namesAreDnsLabels() {
        assertThat(SecretNames.valid("vlm-key")).isTrue();
        assertThat(SecretNames.valid("a")).isTrue();
        assertThat(SecretNames.valid("x".repeat(63))).isTrue();
        for (String bad : new String[]{null, "", "-a", "a-", "A", "a.b", "a_b", "../x", "a/b", "x".repeat(64), "a\u0000"}) {
            assertThat(SecretNames.valid(bad)).as(String.valueOf(bad)).isFalse();
        }
    }

    @Test
    void kubernetesNamesNeverCollideAcrossTeams() {
        assertThat(SecretNames.kubernetesName("vision", "vlm-key")).isEqualTo("athanor-team.vision.vlm-key");
        // with '-' as the separator these two would both be athanor-team-a-b-c
        assertThat(SecretNames.kubernetesName("a-b", "c")).isNotEqualTo(SecretNames.kubernetesName("a", "b-c"));
        assertThat(SecretNames.kubernetesName("x".repeat(63), "y".repeat(63)).length()).isLessThanOrEqualTo(253);
        assertThatThrownBy(() -> SecretNames.kubernetesName("Vision Team", "k")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecretNames.kubernetesName("vision", "a.b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void environmentNamesStayDistinct() {
        assertThat(WorkerContract.secretEnvName("vlm-key")).isEqualTo("ATHANOR_SECRET_VLM_KEY");
    }
}
