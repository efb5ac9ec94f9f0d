package dev.diffq.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.diffq.contract.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/** S3 unreachable from the start: the coordinator still starts, refuses work with 503 and records nothing. */
@QuarkusTest
@WithTestResource(KafkaOnlyServices.class)
class WithoutObjectStorageTest {
    @Inject
    CoordinatorRuntime runtime;

    @Test
    void submissionsAnswer503AndLeaveNothingBehind() {
        given().contentType(ContentType.JSON).body(JobApiTest.trainSpec("nowhere")).post("/v1/jobs").then()
                .statusCode(503).body("error", equalTo("unavailable"));
        given().contentType(ContentType.JSON).body(JobApiTest.trainSpec("nowhere")).put("/v1/jobs/named-nowhere")
                .then().statusCode(503);
        assertEquals(0, runtime.table().size());
        String bootstrap = runtime.config().kafka().bootstrap();
        for (String topic : List.of(Topics.JOBS, Topics.TRAIN, Topics.TRAIN_HIGH)) {
            assertTrue(TopicReader.readAll(bootstrap, topic).isEmpty(), topic + " stays empty");
        }
        given().contentType("image/png").body(new byte[] {(byte) 0x89, 'P', 'N', 'G'}).post("/v1/uploads").then()
                .statusCode(400);
    }

    @Test
    void healthIsDownNamingS3() {
        given().get("/q/health").then().statusCode(503).body("status", equalTo("DOWN"))
                .body("checks.find { it.name == 's3' }.status", equalTo("DOWN"))
                .body("checks.find { it.name == 'kafka' }.status", equalTo("UP"))
                .body("checks.name", hasItem("s3"));
    }
}
