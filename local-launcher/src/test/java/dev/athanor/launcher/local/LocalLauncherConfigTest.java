package dev.athanor.launcher.local;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LocalLauncherConfigTest {

    @Test
    void defaultsRunTheWorkerJarWithThisJava() {
        LocalLauncherConfig c = LocalLauncherConfig.forWorkerJar(Path.of("worker.jar"))
                .jvmOptions("-Xmx512m  -XX:+UseSerialGC").build();
        assertThat(c.command().get(0)).isEqualTo(LocalLauncherConfig.currentJava());
        assertThat(c.workerCommand()).containsExactly(LocalLauncherConfig.currentJava(), "-Xmx512m",
                "-XX:+UseSerialGC", "-jar", Path.of("worker.jar").toAbsolutePath().toString());
        assertThat(c.workRoot()).isEqualTo(LocalLauncherConfig.defaultWorkRoot());
        assertThat(c.logTailLines()).isEqualTo(50);
        assertThat(c.killGrace()).isEqualTo(LocalLauncherConfig.DEFAULT_KILL_GRACE);
        assertThat(c.nvidiaSmi()).isEqualTo("nvidia-smi");
        assertThat(c.toBuilder().build()).isEqualTo(c);
    }

    @Test
    void jvmOptionsNeedAJavaCommand() {
        assertThatThrownBy(() -> LocalLauncherConfig.builder(List.of("/bin/sh", "run.sh")).jvmOptions("-Xmx1g").build())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void secretValuesStayOutOfToString() {
        LocalLauncherConfig c = LocalLauncherConfig.builder(List.of("/bin/true")).secret("team-a", "hf-token", "abc123secret")
                .build();
        assertThat(c.toString()).contains("hf-token").doesNotContain("abc123secret");
    }
}
