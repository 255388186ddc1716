package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobState;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class ExitPolicyTest {
    static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");
    static final AttemptKey KEY = new AttemptKey(UUID.randomUUID(), 1);

    static AttemptExit exit(boolean ok, int code, String reason) {
        return new AttemptExit(KEY, ok, code, reason, "worker 0 exited with code " + code, List.of("last"));
    }

    @Test
    void successAndCancellation() {
        assertThat(ExitPolicy.decide(exit(true, 0, "Completed"), false, 1, 3, 10, NOW).finalState())
                .isEqualTo(JobState.SUCCEEDED);
        assertThat(ExitPolicy.decide(exit(false, 143, "Terminated"), true, 1, 3, 10, NOW).finalState())
                .isEqualTo(JobState.CANCELLED);
    }

    @Test
    void failuresRetryWithExponentialBackoffUntilAttemptsRunOut() {
        ExitPolicy.Decision first = ExitPolicy.decide(exit(false, 137, "Killed"), false, 1, 3, 10, NOW);
        assertThat(first.outcome()).isEqualTo(ExitPolicy.Outcome.RETRY);
        assertThat(first.reason()).isEqualTo("Killed");
        assertThat(first.retryAt()).isEqualTo(NOW.plusSeconds(10));
        assertThat(ExitPolicy.decide(exit(false, 1, "Error"), false, 2, 3, 10, NOW).retryAt()).isEqualTo(NOW.plusSeconds(20));
        ExitPolicy.Decision last = ExitPolicy.decide(exit(false, 1, "Error"), false, 3, 3, 10, NOW);
        assertThat(last.outcome()).isEqualTo(ExitPolicy.Outcome.FAILED);
        assertThat(last.message()).contains("no attempts left");
    }

    @Test
    void invalidJobsAndRefusedLaunchesAreNotRetried() {
        assertThat(ExitPolicy.decide(exit(false, 2, "Error"), false, 1, 3, 10, NOW).outcome())
                .isEqualTo(ExitPolicy.Outcome.FAILED);
        assertThat(ExitPolicy.decide(exit(false, ExitPolicy.EXIT_LAUNCH_REFUSED, "LaunchFailed"), false, 1, 3, 10, NOW)
                .outcome()).isEqualTo(ExitPolicy.Outcome.FAILED);
    }

    @Test
    void backoffIsCapped() {
        assertThat(ExitPolicy.backoff(60, 30)).isEqualTo(Duration.ofMinutes(30));
        assertThat(ExitPolicy.backoff(0, 5)).isEqualTo(Duration.ZERO);
    }
}
