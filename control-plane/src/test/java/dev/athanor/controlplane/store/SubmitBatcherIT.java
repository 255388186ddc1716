package dev.athanor.controlplane.store;

import dev.athanor.common.json.Json;
import dev.athanor.controlplane.it.InfraResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Group commit against the real PostgreSQL: one row PostgreSQL refuses fails only its own submission. */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
class SubmitBatcherIT {

    @Inject
    SubmitBatcher batcher;
    @Inject
    DataSource dataSource;

    static JobEntity job(String name) {
        JobEntity j = new JobEntity();
        j.id = UUID.randomUUID();
        j.name = name;
        j.team = "batch-team";
        j.kind = "AUGMENTATION";
        j.state = "PENDING";
        j.priority = "NORMAL";
        j.priorityWeight = 100;
        j.labels = Json.strict().createObjectNode();
        j.resources = Json.strict().createObjectNode();
        j.spec = Json.strict().createObjectNode();
        j.maxAttempts = 1;
        j.reason = "Submitted";
        j.message = "queued";
        j.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        j.updatedAt = j.createdAt;
        return j;
    }

    @Test
    void defect12OneUnstorableRowFailsOnlyItsOwnSubmissionNotTheBatch() throws Exception {
        List<JobEntity> jobs = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            jobs.add(job("valid-" + i));
        }
        JobEntity bad = job("bad\u0000name");
        jobs.add(5, bad);
        List<CompletableFuture<Boolean>> results = batcher.writeBatch(jobs);
        for (int i = 0; i < jobs.size(); i++) {
            if (jobs.get(i) == bad) {
                CompletableFuture<Boolean> f = results.get(i);
                assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            } else {
                assertThat(results.get(i).get(10, TimeUnit.SECONDS)).as(jobs.get(i).name).isTrue();
            }
        }
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from job j join transition t on t.job_id = j.id "
                     + "where j.id = any (?)")) {
            ps.setArray(1, c.createArrayOf("uuid", jobs.stream().map(j -> j.id).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getInt(1)).as("each valid job and its first timeline row").isEqualTo(10);
            }
        }
    }
}
