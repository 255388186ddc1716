package dev.athanor.controlplane.lifecycle;

import dev.athanor.common.job.JobState;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.job.Resources;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptExit;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.launch.LaunchException;
import dev.athanor.common.launch.LaunchRequest;
import dev.athanor.common.launch.Launcher;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 8, defect 13: a launch refused because leadership moved, or refused for now (quota, 409, 5xx), was settled as
 * {@code LaunchFailed} against {@code maxAttempts} with a default backoff of 0, so a job could burn every attempt in
 * seconds. Now a replica that is no longer the leader settles nothing, transient refusals are retried after a
 * non-zero backoff without using an attempt, and the default retry backoff is not 0.
 */
class LaunchRefusalsDoNotBurnAttemptsTest {
    static final Instant NOW = Instant.parse("2026-12-07T00:00:00Z");

    @Test
    void aTransientRefusalIsRetriedEvenWithNoAttemptsLeft() {
        AttemptExit refused = new AttemptExit(new AttemptKey(UUID.randomUUID(), 1), false,
                ExitPolicy.EXIT_NOT_STARTED, "LaunchFailed", "HTTP 403: exceeded quota", List.of());
        ExitPolicy.Decision d = ExitPolicy.decide(refused, false, 1, 1, 0, NOW);
        assertThat(d.outcome()).isEqualTo(ExitPolicy.Outcome.REFUSED);
        assertThat(d.finalState()).isEqualTo(JobState.RETRYING);
        assertThat(d.reason()).isEqualTo(ExitPolicy.LAUNCH_REFUSED);
        assertThat(d.message()).contains("exceeded quota").contains("does not use an attempt");
        // a cancel still wins
        assertThat(ExitPolicy.decide(refused, true, 1, 1, 0, NOW).outcome()).isEqualTo(ExitPolicy.Outcome.CANCELLED);
    }

    @Test
    void refusalBackoffIsNonZeroDoublesAndIsCapped() {
        Duration base = Duration.ofSeconds(10);
        Duration max = Duration.ofMinutes(5);
        assertThat(ExitPolicy.refusalBackoff(base, max, 1)).isEqualTo(Duration.ofSeconds(10));
        assertThat(ExitPolicy.refusalBackoff(base, max, 2)).isEqualTo(Duration.ofSeconds(20));
        assertThat(ExitPolicy.refusalBackoff(base, max, 4)).isEqualTo(Duration.ofSeconds(80));
        assertThat(ExitPolicy.refusalBackoff(base, max, 40)).isEqualTo(max);
    }

    @Test
    void theDefaultRetryBackoffIsNotZero() throws Exception {
        JobSubmission s = Json.strict().readValue("""
                {"name": "x", "team": "t", "kind": "AUGMENTATION", "spec": {}}""", JobSubmission.class);
        assertThat(s.retryBackoffSeconds()).isEqualTo(JobSubmission.DEFAULT_RETRY_BACKOFF_SECONDS).isPositive();
        assertThat(ExitPolicy.backoff(s.retryBackoffSeconds(), 1)).isEqualTo(Duration.ofSeconds(10));
        JobSubmission explicit = Json.strict().readValue("""
                {"name": "x", "team": "t", "kind": "AUGMENTATION", "retryBackoffSeconds": 0, "spec": {}}""",
                JobSubmission.class);
        assertThat(explicit.retryBackoffSeconds()).isZero();
    }

    @Test
    void aReplicaThatIsNoLongerLeaderSettlesNothing() {
        Fixture f = new Fixture(false, new LaunchException("this control plane replica is not the leader", true, null));
        f.dispatcher.launch(f.view, Resources.DEFAULT);
        assertThat(f.launched).hasSize(1);
        assertThat(f.settled).isEmpty();
    }

    @Test
    void aLeadersTransientRefusalIsSettledAsNotStarted() {
        Fixture f = new Fixture(true, new LaunchException("HTTP 409: conflict", true, null));
        f.dispatcher.launch(f.view, Resources.DEFAULT);
        assertThat(f.settled).singleElement().satisfies(e -> {
            assertThat(e.exitCode()).isEqualTo(ExitPolicy.EXIT_NOT_STARTED);
            assertThat(ExitPolicy.decide(e, false, 3, 3, 10, NOW).outcome()).isEqualTo(ExitPolicy.Outcome.REFUSED);
        });
        Fixture permanent = new Fixture(true, new LaunchException("worker binary missing", false, null));
        permanent.dispatcher.launch(permanent.view, Resources.DEFAULT);
        assertThat(permanent.settled).singleElement()
                .satisfies(e -> assertThat(e.exitCode()).isEqualTo(ExitPolicy.EXIT_LAUNCH_REFUSED));
    }

    /** A dispatcher whose launcher throws {@code failure} and whose store records what it is asked to settle. */
    static final class Fixture {
        final List<AttemptExit> settled = new CopyOnWriteArrayList<>();
        final List<LaunchRequest> launched = new CopyOnWriteArrayList<>();
        final Dispatcher dispatcher = new Dispatcher();
        final JobView view = new JobView(UUID.randomUUID(), "j", "t", "AUGMENTATION", "LAUNCHING", null, null,
                "NORMAL", null, null, null, dev.athanor.common.json.Json.strict().valueToTree(java.util.Map.of(
                        "inputDir", "/data/in", "outputDir", "/data/out", "engine", "classical")),
                1, 1, 10, 0, false, NOW, NOW, null, null, null, null, null);

        Fixture(boolean acting, LaunchException failure) {
            Launcher launcher = new Launcher() {
                public String name() {
                    return "refusing";
                }

                public void launch(LaunchRequest request) throws LaunchException {
                    launched.add(request);
                    throw failure;
                }

                public void stop(AttemptKey key, Duration grace) {
                }

                public Set<AttemptKey> active() {
                    return Set.of();
                }

                public void onExit(Consumer<AttemptExit> listener) {
                }
            };
            dispatcher.eventKeys = new dev.athanor.controlplane.ingest.EventKeys() {
                @Override
                public dev.athanor.common.launch.LaunchRequest.EventKey forAttempt(AttemptKey key) {
                    return new dev.athanor.common.launch.LaunchRequest.EventKey("test-key-" + key);
                }
            };
            dispatcher.binding = new LauncherBinding() {
                public Launcher launcher() {
                    return launcher;
                }

                public dev.athanor.common.secret.SecretStore secrets() {
                    throw new UnsupportedOperationException("no secrets in this test");
                }

                public boolean acting() {
                    return acting;
                }

                public boolean fitsNow(Resources r) {
                    return true;
                }

                public boolean anyFree() {
                    return true;
                }

                public String neverFits(Resources r) {
                    return null;
                }

                public String describeFree() {
                    return "";
                }

                public Set<AttemptKey> recover(Predicate<AttemptKey> alreadyFinished) {
                    return Set.of();
                }

                public List<dev.athanor.scheduler.Node> gpuNodes(Collection<String> catalog) {
                    return List.of();
                }
            };
            dispatcher.jobs = new JobStore() {
                @Override
                public Optional<JobView> settleExit(AttemptExit exit) {
                    settled.add(exit);
                    return Optional.empty();
                }
            };
        }
    }
}
