package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.Launcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The test-only crash point is off unless set, and refuses values it does not know (a typo must not pass silently). */
class CrashPointTest {
    static final Launcher NOOP = new Launcher() {
        public String name() {
            return "noop";
        }

        public void launch(LaunchRequest request) {
        }

        public void stop(AttemptKey key, Duration grace) {
        }

        public Set<AttemptKey> active() {
            return Set.of();
        }

        public void onExit(Consumer<AttemptExit> listener) {
        }
    };

    @Test
    void offByDefault() {
        assertThat(CrashPoint.wrap(NOOP, "", c -> { })).isSameAs(NOOP);
        assertThat(CrashPoint.wrap(NOOP, null, c -> { })).isSameAs(NOOP);
    }

    @Test
    void unknownValuesAreRefused() {
        assertThatThrownBy(() -> CrashPoint.wrap(NOOP, "after-intnet", c -> { }))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("after-intent");
    }

    @Test
    void afterCreateHooksTheLaunchersCreatedCallbackAndDelegates() {
        Consumer<?>[] hooked = new Consumer<?>[1];
        Launcher l = CrashPoint.wrap(NOOP, "after-create", c -> hooked[0] = c);
        assertThat(hooked[0]).isNotNull(); // never called here: it would halt this JVM
        assertThat(l.name()).isEqualTo("noop");
        assertThat(l.active()).isEmpty();
    }
}
