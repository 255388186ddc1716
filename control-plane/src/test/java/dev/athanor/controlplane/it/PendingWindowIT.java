package dev.athanor.controlplane.it;

import dev.athanor.controlplane.scheduling.SchedulingStore;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The scheduling cycle's pending window against the real PostgreSQL (no dispatch: jobs stay PENDING). */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(NoDispatchProfile.class)
class PendingWindowIT {

    @Inject
    SchedulingStore store;

    static String submit(String team, String priority) {
        return given().header("Authorization", TestAuth.bearer(TestAuth.ADMIN)).contentType(ContentType.JSON)
                .body(Jobs.simple("w", team).replaceFirst("\"kind\"", "\"priority\": \"" + priority + "\", \"kind\""))
                .post("/api/v1/jobs").then().statusCode(201).extract().path("id");
    }

    @Test
    void defect11EveryTeamWithPendingWorkIsInTheWindowDespiteAnotherTeamsUrgentFlood() throws Exception {
        String flood = TestAuth.team("flood-" + UUID.randomUUID().toString().substring(0, 8));
        String quiet = TestAuth.team("quiet-" + UUID.randomUUID().toString().substring(0, 8));
        String quietJob = submit(quiet, "LOW");
        int teams;
        try (Connection c = DriverManager.getConnection(TestInfra.jdbcUrl(), "postgres", "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select count(distinct team) from job where state = 'PENDING'")) {
            rs.next();
            teams = rs.getInt(1) + 1;
        }
        int window = teams + 4;
        for (int i = 0; i < window + 5; i++) {
            submit(flood, "URGENT");
        }
        List<SchedulingStore.PendingRow> pending = store.load(Instant.now(), window).pending();
        assertThat(pending).hasSize(window);
        assertThat(pending).extracting(SchedulingStore.PendingRow::id).contains(UUID.fromString(quietJob));
        assertThat(pending).extracting(SchedulingStore.PendingRow::team).contains(flood, quiet);
    }
}
