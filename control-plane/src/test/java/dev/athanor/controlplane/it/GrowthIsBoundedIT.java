package dev.athanor.controlplane.it;

import dev.athanor.common.job.JobState;
import dev.athanor.common.job.JobSubmission;
import dev.athanor.common.json.Json;
import dev.athanor.common.launch.AttemptKey;
import dev.athanor.common.spec.JobSpecs;
import dev.athanor.controlplane.lifecycle.RetentionJob;
import dev.athanor.controlplane.store.JobStore;
import dev.athanor.controlplane.store.JobView;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hardening defect 16: job, transition, artifact, audit_event and api_token rows grew forever, and the watchdog loaded
 * full job entities every 5 s. Each table now has a retention rule (docs/operations.md, "Retention") and the
 * watchdog reads three columns.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class GrowthIsBoundedIT {

    @Inject
    JobStore jobs;
    @Inject
    RetentionJob retention;
    @Inject
    DataSource db;

    private JobView pending(String team) throws Exception {
        JobSubmission s = Json.strict().readValue(Jobs.simple("retention", team), JobSubmission.class);
        return jobs.create(s, JobSpecs.parse(s.kind(), s.spec()));
    }

    private JobView finished(String team) throws Exception {
        JobView v = pending(team);
        return jobs.transition(v.id(), null, JobState.CANCELLED, "Cancelled", "test", null).orElseThrow();
    }

    @Test
    void oldFinishedJobsAuditEventsAndDeadTokensAreDeletedLiveAndRecentOnesKept() throws Exception {
        JobView old = finished("growth");
        JobView recent = finished("growth");
        JobView live = pending("growth");
        exec("update job set finished_at = now() - interval '400 days' where id = ?", old.id());
        // A job that waits for a long time is live: age alone never deletes it.
        exec("update job set created_at = now() - interval '400 days' where id = ?", live.id());
        assertThat(count("select count(*) from transition where job_id = ?", old.id())).isPositive();

        String tag = UUID.randomUUID().toString();
        exec("insert into audit_event (at, actor, action, target) values (now() - interval '400 days', 'admin', 'test.old', ?)", tag);
        exec("insert into audit_event (at, actor, action, target) values (now(), 'admin', 'test.recent', ?)", tag);
        UUID dead = UUID.randomUUID();
        UUID valid = UUID.randomUUID();
        token(dead, "revoked_at", "now() - interval '400 days'");
        token(valid, "expires_at", "now() + interval '30 days'");

        assertThat(retention.purge(Instant.now())).isPositive();

        assertThat(jobs.get(old.id())).as("finished 400 days ago").isEmpty();
        assertThat(count("select count(*) from transition where job_id = ?", old.id())).as("its timeline").isZero();
        assertThat(count("select count(*) from attempt where job_id = ?", old.id())).isZero();
        assertThat(jobs.get(recent.id())).as("finished now").isPresent();
        assertThat(jobs.get(live.id())).as("pending for 400 days").isPresent();
        assertThat(count("select count(*) from audit_event where target = ? and action = 'test.old'", tag)).isZero();
        assertThat(count("select count(*) from audit_event where target = ? and action = 'test.recent'", tag)).isOne();
        assertThat(count("select count(*) from api_token where id = ?", dead)).isZero();
        assertThat(count("select count(*) from api_token where id = ?", valid)).isOne();
    }

    @Test
    void theWatchdogReadsOnlyTheCurrentAttemptOfLiveJobs() throws Exception {
        JobView v = pending("growth-w");
        JobView launching = jobs.admitAndRecordIntent(v.id(), "test", "test admits it").orElseThrow();
        JobView other = finished("growth-w");
        List<JobStore.LiveAttempt> live = jobs.liveAttempts(List.of("LAUNCHING", "RUNNING"), 100_000);
        assertThat(live).extracting(JobStore.LiveAttempt::key)
                .contains(new AttemptKey(launching.id(), launching.attempt()))
                .noneMatch(k -> k.jobId().equals(other.id()));
        assertThat(live).filteredOn(a -> a.key().jobId().equals(launching.id()))
                .allSatisfy(a -> assertThat(a.updatedAt()).isNotNull());
    }

    private void token(UUID id, String column, String when) throws SQLException {
        exec("insert into api_token (id, subject, name, token_hash, prefix, created_by, created_at, " + column + ") "
                + "values (?, 'admin', 'retention-test', ?, 'ath_test', 'admin', now(), " + when + ")",
                id, String.format("%064x", id.getMostSignificantBits() & Long.MAX_VALUE));
    }

    private void exec(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            assertThat(ps.executeUpdate()).as(sql).isOne();
        }
    }

    private long count(String sql, Object arg) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
