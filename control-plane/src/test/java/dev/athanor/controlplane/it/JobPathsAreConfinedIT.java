package dev.athanor.controlplane.it;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;

/**
 * Issue 8, defect 4, at the API: a LABELING job with {@code outputFile: ../../../admin-token} was accepted (and its
 * worker overwrote the admin token). Every spec path is now confined at submission: a 400 problem+json naming the
 * field, and nothing is stored.
 */
@QuarkusTest
@QuarkusTestResource(InfraResource.class)
class JobPathsAreConfinedIT {

    @BeforeAll
    static void authenticate() {
        TestAuth.asAdmin();
    }

    static String labeling(String team, String in, String out) {
        return """
                {"name": "paths", "team": "%s", "kind": "LABELING",
                 "spec": {"inputDir": "%s", "outputFile": "%s", "endpoint": "http://vlm:8000/v1", "model": "m"}}
                """.formatted(team, in, out);
    }

    @Test
    void aPathOutOfBoundsIsA400NamingTheField() {
        String team = TestAuth.team("paths-" + java.util.UUID.randomUUID().toString().substring(0, 8));
        given().contentType(ContentType.JSON).body(labeling(team, "images", "../../../admin-token"))
                .post("/api/v1/jobs").then().statusCode(400)
                .contentType(containsString("application/problem+json"))
                .body("errors.field", hasItem("spec.outputFile"))
                .body("errors.message", hasItem(containsString("'..'")));
        String home = TestInfra.home().toString();
        given().contentType(ContentType.JSON).body(labeling(team, home + "/secrets", home + "/admin-token"))
                .post("/api/v1/jobs").then().statusCode(400)
                .body("errors.field", hasItems("spec.inputDir", "spec.outputFile"));
        given().get("/api/v1/jobs?team=" + team).then().statusCode(200).body("items.size()", equalTo(0));

        // inside the allowed places it is accepted
        given().contentType(ContentType.JSON).body(labeling(team, home + "/datasets/cats", "labels/out.jsonl"))
                .post("/api/v1/jobs").then().statusCode(201);
    }
}
