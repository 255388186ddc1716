package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

/** The per-team pending limit (athanor.api.max-pending-per-team = 3 here) against the real PostgreSQL. */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
@TestProfile(PendingLimitProfile.class)
class PendingLimitIT {

    static RequestSpecification admin() {
        return given().header("Authorization", TestAuth.bearer(TestAuth.ADMIN)).contentType(ContentType.JSON);
    }

    @Test
    void defect11ATeamAtItsPendingLimitGets429WhileOtherTeamsSubmit() {
        String team = TestAuth.team("limited-" + UUID.randomUUID().toString().substring(0, 8));
        String other = TestAuth.team("other-" + UUID.randomUUID().toString().substring(0, 8));
        String first = admin().body(Jobs.withKey("p", team, "k1")).post("/api/v1/jobs").then().statusCode(201)
                .extract().path("id");
        admin().body(Jobs.simple("p", team)).post("/api/v1/jobs").then().statusCode(201);
        admin().body(Jobs.simple("p", team)).post("/api/v1/jobs").then().statusCode(201);
        admin().body(Jobs.simple("p", team)).post("/api/v1/jobs").then().statusCode(429)
                .contentType("application/problem+json").header("Retry-After", notNullValue())
                .body("status", equalTo(429)).body("detail", containsString("max-pending-per-team"));
        // a replay of an acknowledged submission still answers the job; another team is not affected
        admin().body(Jobs.withKey("p", team, "k1")).post("/api/v1/jobs").then().statusCode(200)
                .body("id", equalTo(first));
        admin().body(Jobs.simple("p", other)).post("/api/v1/jobs").then().statusCode(201);
        // a job leaving the queue frees a place
        admin().post("/api/v1/jobs/" + first + "/cancel").then().statusCode(202);
        admin().body(Jobs.simple("p", team)).post("/api/v1/jobs").then().statusCode(201);
    }
}
