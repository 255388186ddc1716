package dev.athanor.common.job;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static dev.athanor.common.job.JobState.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StateMachineTest {

    @Test
    void theHappyPathIsLegal() {
        JobState[] path = {PENDING, ADMITTED, LAUNCHING, RUNNING, SUCCEEDED};
        for (int i = 1; i < path.length; i++) {
            StateMachine.check(path[i - 1], path[i]);
        }
    }

    @Test
    void preemptionAndRetryLeadBackToPending() {
        assertThat(StateMachine.canTransition(RUNNING, PREEMPTED)).isTrue();
        assertThat(StateMachine.canTransition(PREEMPTED, PENDING)).isTrue();
        assertThat(StateMachine.canTransition(RUNNING, RETRYING)).isTrue();
        assertThat(StateMachine.canTransition(RETRYING, PENDING)).isTrue();
    }

    @ParameterizedTest
    @EnumSource(value = JobState.class, names = {"SUCCEEDED", "FAILED", "CANCELLED"})
    void terminalStatesNeverChange(JobState terminal) {
        assertThat(terminal.isTerminal()).isTrue();
        for (JobState to : JobState.values()) {
            assertThat(StateMachine.canTransition(terminal, to)).isFalse();
        }
        assertThatThrownBy(() -> StateMachine.check(terminal, CANCELLED))
                .isInstanceOf(IllegalTransitionException.class)
                .hasMessageContaining("can no longer change");
    }

    @Test
    void skippingStatesIsRefused() {
        assertThat(StateMachine.canTransition(PENDING, RUNNING)).isFalse();
        assertThat(StateMachine.canTransition(PENDING, SUCCEEDED)).isFalse();
        assertThat(StateMachine.canTransition(RETRYING, RUNNING)).isFalse();
        assertThatThrownBy(() -> StateMachine.check(PENDING, RUNNING))
                .isInstanceOfSatisfying(IllegalTransitionException.class, e -> {
                    assertThat(e.from()).isEqualTo(PENDING);
                    assertThat(e.to()).isEqualTo(RUNNING);
                });
    }

    @Test
    void everyNonTerminalStateCanBeCancelledOrFails() {
        for (JobState s : JobState.values()) {
            if (!s.isTerminal()) {
                assertThat(StateMachine.canTransition(s, CANCELLED) || StateMachine.canTransition(s, FAILED))
                        .as("%s must be able to end", s).isTrue();
            }
        }
    }
}
