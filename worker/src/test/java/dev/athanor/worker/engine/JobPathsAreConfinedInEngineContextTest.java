package dev.athanor.worker.engine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Issue 8, defect 4: {@link EngineContext#resolve} resolved absolute paths and {@code ..} freely. */
class JobPathsAreConfinedInEngineContextTest {
    @TempDir
    Path work;

    EngineContext ctx(Map<String, String> env) {
        return new EngineContext(null, work, null, null, env);
    }

    @Test
    void relativePathsStayInTheWorkDirectory() {
        assertThat(ctx(Map.of()).resolve("out/labels.jsonl")).isEqualTo(work.resolve("out/labels.jsonl"));
        assertThatThrownBy(() -> ctx(Map.of()).resolve("../../../admin-token"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'..'");
        assertThatThrownBy(() -> ctx(Map.of()).resolve("a\u0000b")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void absolutePathsHonourThePolicyTheLauncherPassed() {
        Map<String, String> env = Map.of(EngineContext.PROTECTED_ROOTS, "/srv/athanor",
                EngineContext.PROTECTED_EXCEPTIONS, "/srv/athanor/datasets",
                EngineContext.READ_ROOTS, "/data/datasets:/srv/athanor/datasets",
                EngineContext.WRITE_ROOTS, "/data/outputs/{team}", EngineContext.TEAM, "vision");
        EngineContext c = ctx(env);
        assertThatThrownBy(() -> c.resolve("/srv/athanor/admin-token")).hasMessageContaining("control plane");
        assertThatThrownBy(() -> c.resolve("/etc/passwd")).hasMessageContaining("must be inside");
        assertThatThrownBy(() -> c.resolve("/data/outputs/nlp/x")).hasMessageContaining("must be inside");
        assertThat(c.resolve("/data/datasets/cats")).isEqualTo(Path.of("/data/datasets/cats"));
        assertThat(c.resolve("/data/outputs/vision/x")).isEqualTo(Path.of("/data/outputs/vision/x"));
        assertThat(c.resolve("/srv/athanor/datasets/x")).isEqualTo(Path.of("/srv/athanor/datasets/x"));
    }
}
