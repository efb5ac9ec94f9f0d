package dev.diffq.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SamplingProfile;
import dev.diffq.contract.SamplingProfiles;
import dev.diffq.contract.Topics;
import dev.diffq.proto.Cancel;
import dev.diffq.proto.JobRequest;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

@QuarkusTest
@WithTestResource(CoordinatorServices.class)
class JobApiTest {
    @Inject
    CoordinatorRuntime runtime;

    static String trainSpec(String name) {
        return "{\"name\":\"" + name + "\",\"train\":{\"model\":{\"preset\":\"mnist-small\"},\"dataset\":\"mnist\",\"steps\":10}}";
    }

    private String bootstrap() {
        return runtime.config().kafka().bootstrap();
    }

    private List<JobRequest> requests(String topic, String jobId) {
        List<JobRequest> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap(), topic)) {
            JobRequest req = parse(r.value());
            if (req.getJobId().equals(jobId)) {
                out.add(req);
            }
        }
        return out;
    }

    private static JobRequest parse(byte[] b) {
        try {
            return JobRequest.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void submitRecordsAQueuedJobWithASeedAndPutsOneRequestOnTheTrainTopic() {
        Response r = given().contentType(ContentType.JSON).body(trainSpec("digits")).post("/v1/jobs");
        r.then().statusCode(201).body("state", equalTo("QUEUED")).body("spec.name", equalTo("digits"))
                .body("shards_total", equalTo(1));
        String id = r.path("id");
        String seed = r.path("spec.seed");
        assertTrue(seed != null && !seed.isEmpty(), "a seed is assigned when the spec has none");

        given().get("/v1/jobs/" + id).then().statusCode(200).body("id", equalTo(id)).body("spec.seed", equalTo(seed));
        List<JobRequest> reqs = requests(Topics.TRAIN, id);
        assertEquals(1, reqs.size());
        assertEquals(Long.parseLong(seed), reqs.get(0).getSpec().getSeed());
        assertTrue(requests(Topics.TRAIN_HIGH, id).isEmpty());
        assertTrue(reqs.get(0).getSpec().getTrain().hasBatchSize(), "the recorded spec is normalized");
        given().get("/v1/jobs/" + id).then().body("spec.train.batch_size", equalTo(reqs.get(0).getSpec().getTrain()
                .getBatchSize()));
        assertFalse(runtime.store().exists(ObjectKeys.spec(id)), "accepting a job writes nothing to S3");
    }

    @Test
    void aGivenSeedIsKeptAndHighPriorityGoesToTheHighTopic() {
        String body = "{\"name\":\"urgent\",\"priority\":\"PRIORITY_HIGH\",\"seed\":42,"
                + "\"train\":{\"dataset\":\"mnist\",\"steps\":5}}";
        Response r = given().contentType(ContentType.JSON).body(body).post("/v1/jobs");
        r.then().statusCode(201).body("spec.seed", equalTo("42"));
        String id = r.path("id");
        assertEquals(1, requests(Topics.TRAIN_HIGH, id).size());
        assertTrue(requests(Topics.TRAIN, id).isEmpty());
    }

    @Test
    void repeatingAnIdempotencyKeyAnswersTheSameJob() {
        String key = UUID.randomUUID().toString();
        Response first = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(trainSpec("once"))
                .post("/v1/jobs");
        first.then().statusCode(201);
        Response again = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(trainSpec("once"))
                .post("/v1/jobs");
        again.then().statusCode(200).body("id", equalTo(first.path("id"))).body("idempotency_key", equalTo(key));
        assertEquals(1, requests(Topics.TRAIN, first.path("id")).size());
        // No key: a new job each time.
        String other = given().contentType(ContentType.JSON).body(trainSpec("once")).post("/v1/jobs").then()
                .statusCode(201).extract().path("id");
        assertNotEquals(first.path("id"), other);
    }

    @Test
    void putUnderAClientIdIsRepeatableAndConflictsOnAnotherSpec() {
        String id = "my-job-" + System.nanoTime();
        Response first = given().contentType(ContentType.JSON).body(trainSpec("named")).put("/v1/jobs/" + id);
        first.then().statusCode(201).body("id", equalTo(id));
        given().contentType(ContentType.JSON).body(trainSpec("named")).put("/v1/jobs/" + id).then().statusCode(200)
                .body("id", equalTo(id)).body("spec.seed", equalTo((String) first.path("spec.seed")));
        assertEquals(1, requests(Topics.TRAIN, id).size());
        given().contentType(ContentType.JSON).body(trainSpec("renamed")).put("/v1/jobs/" + id).then().statusCode(409)
                .body("error", equalTo("conflict"));
        given().contentType(ContentType.JSON).body(trainSpec("x")).put("/v1/jobs/Bad_Id").then().statusCode(400)
                .body("violations.field", hasItem("id"));
    }

    @Test
    void unknownJobsAre404() {
        given().get("/v1/jobs/nope-123").then().statusCode(404).body("error", equalTo("not_found"));
        given().get("/v1/jobs/nope-123/artifacts").then().statusCode(404);
        given().get("/v1/jobs/nope-123/events").then().statusCode(404);
        given().post("/v1/jobs/nope-123/cancel").then().statusCode(404);
    }

    @Test
    void listingIsNewestFirstFilteredAndPagedByCursor() {
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            mine.add(given().contentType(ContentType.JSON).body(trainSpec("list-" + i)).post("/v1/jobs").then()
                    .statusCode(201).extract().path("id"));
        }
        given().post("/v1/jobs/" + mine.get(1) + "/cancel").then().statusCode(202);

        // Page through everything two at a time: no job twice, mine in reverse order of creation.
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            var req = given().queryParam("limit", 2);
            if (cursor != null) {
                req = req.queryParam("cursor", cursor);
            }
            Response page = req.get("/v1/jobs");
            page.then().statusCode(200);
            List<String> ids = page.path("jobs.id");
            assertTrue(ids.size() <= 2);
            seen.addAll(ids);
            cursor = page.path("next_cursor");
        } while (cursor != null);
        assertEquals(seen.size(), new HashSet<>(seen).size(), "no job appears on two pages");
        List<String> mineInListing = seen.stream().filter(mine::contains).toList();
        List<String> expected = new ArrayList<>(mine);
        java.util.Collections.reverse(expected);
        assertEquals(expected, mineInListing);
        assertEquals(runtime.table().size(), seen.size());

        List<String> cancelled = given().queryParam("state", "CANCELLED").queryParam("limit", 500).get("/v1/jobs")
                .then().statusCode(200).extract().path("jobs.id");
        assertTrue(cancelled.contains(mine.get(1)));
        assertFalse(cancelled.contains(mine.get(0)));
        List<String> states = given().queryParam("state", "QUEUED").queryParam("kind", "train").queryParam("limit", 500)
                .get("/v1/jobs").then().statusCode(200).extract().path("jobs.state");
        assertTrue(states.stream().allMatch("QUEUED"::equals));
        List<String> samples = given().queryParam("kind", "sample").queryParam("limit", 500).get("/v1/jobs").then()
                .statusCode(200).extract().path("jobs.id");
        assertFalse(samples.contains(mine.get(0)));

        given().queryParam("state", "DONE").get("/v1/jobs").then().statusCode(400).body("violations.field", hasItem("state"));
        given().queryParam("kind", "paint").get("/v1/jobs").then().statusCode(400).body("violations.field", hasItem("kind"));
        given().queryParam("limit", 0).get("/v1/jobs").then().statusCode(400).body("violations.field", hasItem("limit"));
        given().queryParam("cursor", "%%%").get("/v1/jobs").then().statusCode(400).body("violations.field", hasItem("cursor"));
    }

    @Test
    void cancellingAQueuedJobCancelsItAtOnceAndTellsTheWorkers() {
        String id = given().contentType(ContentType.JSON).body(trainSpec("to-cancel")).post("/v1/jobs").then()
                .statusCode(201).extract().path("id");
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(202).body("state", equalTo("CANCELLED"));
        given().get("/v1/jobs/" + id).then().body("state", equalTo("CANCELLED"));
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(409).body("error", equalTo("conflict"));
        boolean told = TopicReader.readAll(bootstrap(), Topics.CONTROL).stream().anyMatch(r -> {
            try {
                return r.key().equals(id) && Cancel.parseFrom(r.value()).getJobId().equals(id);
            } catch (InvalidProtocolBufferException e) {
                return false;
            }
        });
        assertTrue(told, "a Cancel for the job is on " + Topics.CONTROL);
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                Arguments.of("{not json", 400, "body"),
                Arguments.of("{\"name\":\"MARK\",\"no_such_field\":1,\"train\":{\"dataset\":\"mnist\"}}", 400, "body"),
                Arguments.of("{\"name\":\"MARK\"}", 400, "kind"),
                Arguments.of("{\"name\":\"MARK\",\"train\":{\"dataset\":\"mnist\",\"batch_size\":0}}", 400, "train.batch_size"),
                Arguments.of("{\"name\":\"MARK\",\"train\":{\"steps\":10}}", 400, "train.dataset"),
                Arguments.of("{\"name\":\"MARK\",\"train\":{\"dataset\":\"upload:never-uploaded\"}}", 400, "train.dataset"),
                Arguments.of("{\"name\":\"MARK\",\"sample\":{\"classes\":[0],\"per_class\":2,\"generate\":{}}}", 400,
                        "sample.checkpoint_job"),
                Arguments.of("{\"name\":\"MARK\",\"sample\":{\"checkpoint_job\":\"no-such-job\",\"generate\":{}}}", 400,
                        "sample.checkpoint_job"),
                Arguments.of("{\"name\":\"MARK\",\"sample\":{\"checkpoint_job\":\"CKPT\",\"sampler\":\"euler\",\"generate\":{}}}",
                        400, "sample.sampler"),
                Arguments.of("{\"name\":\"MARK\",\"sample\":{\"checkpoint_job\":\"CKPT\",\"profile\":\"slow\",\"generate\":{}}}",
                        400, "sample.profile"),
                Arguments.of("{\"name\":\"MARK\",\"sample\":{\"checkpoint_job\":\"CKPT\",\"classes\":[0,1,2,3,4,5,6,7,8,9],"
                        + "\"per_class\":101,\"generate\":{}}}", 413, "sample.per_class"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badRequestsNameTheFieldAndQueueNothing(String template, int status, String field) {
        String checkpoint = given().contentType(ContentType.JSON).body(trainSpec("ckpt")).post("/v1/jobs").then()
                .statusCode(201).extract().path("id");
        // A training job that has written a checkpoint can be sampled from while it runs.
        runtime.store().put(ObjectKeys.latestCheckpoint(checkpoint), "{\"step\":10}".getBytes(), "application/json");
        String mark = "bad-" + UUID.randomUUID();
        String body = template.replace("MARK", mark).replace("CKPT", checkpoint);
        int jobsBefore = runtime.table().size();
        given().contentType(ContentType.JSON).body(body).post("/v1/jobs").then().statusCode(status)
                .body("error", equalTo(status == 413 ? "too_large" : "invalid_request"))
                .body("violations.field", hasItem(field)).body("message", startsWith(""));
        given().contentType(ContentType.JSON).body(body).put("/v1/jobs/" + mark.substring(0, 20)).then()
                .statusCode(status);
        assertEquals(jobsBefore, runtime.table().size(), "no job recorded");
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(bootstrap(), Topics.TRAIN, Topics.TRAIN_HIGH,
                Topics.SAMPLE, Topics.SAMPLE_HIGH)) {
            assertNotEquals(mark, parse(r.value()).getSpec().getName(), "nothing queued on " + r.topic());
        }
    }

    @Test
    void aSamplingJobTakesTheProfileOfTheModelItSamplesAndGivenFieldsWin() {
        String trained = given().contentType(ContentType.JSON).body("{\"name\":\"clothes\",\"train\":{\"dataset\":"
                + "\"fashion-mnist\",\"steps\":10}}").post("/v1/jobs").then().statusCode(201).extract().path("id");
        runtime.store().put(ObjectKeys.latestCheckpoint(trained), "{\"step\":10}".getBytes(), "application/json");
        SamplingProfile fast = SamplingProfiles.get("fast", SamplingProfiles.FASHION).orElseThrow();
        String plain = "{\"sample\":{\"checkpoint_job\":\"" + trained + "\",\"classes\":[1],\"per_class\":2}}";
        Response r = given().contentType(ContentType.JSON).body(plain).post("/v1/jobs");
        r.then().statusCode(201).body("spec.sample.profile", equalTo("fast"))
                .body("spec.sample.sampler", equalTo(fast.sampler())).body("spec.sample.steps", equalTo(fast.steps()))
                .body("spec.sample.guidance_sigma_max", equalTo(fast.guidanceSigmaMax()))
                .body("spec.sample.guidance_lowpass_sigma", equalTo(fast.guidanceLowpassSigma()));
        // what travels to the workers is the same filled spec
        JobRequest queued = requests(Topics.SAMPLE, r.path("id")).get(0);
        assertEquals(fast.sampler(), queued.getSpec().getSample().getSampler());
        assertEquals("fast", queued.getSpec().getSample().getProfile());

        String best = "{\"sample\":{\"checkpoint_job\":\"" + trained + "\",\"profile\":\"best\",\"steps\":30}}";
        given().contentType(ContentType.JSON).body(best).post("/v1/jobs").then().statusCode(201)
                .body("spec.sample.profile", equalTo("best"))
                .body("spec.sample.sampler", equalTo(SamplingProfiles.get("best", SamplingProfiles.FASHION).orElseThrow().sampler()))
                .body("spec.sample.steps", equalTo(30));
    }

    @Test
    void artifactsCarryPresignedUrlsOnThePublicEndpoint() throws Exception {
        String id = given().contentType(ContentType.JSON).body(trainSpec("arts")).post("/v1/jobs").then()
                .statusCode(201).extract().path("id");
        // what the worker running it does: an object beside the job's outputs, then an Artifact event naming it
        byte[] spec = "{\"name\": \"arts\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        runtime.store().put(ObjectKeys.spec(id), spec, "application/json");
        var props = new java.util.Properties();
        props.put("bootstrap.servers", bootstrap());
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(props,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            var event = dev.diffq.proto.JobEvent.newBuilder().setJobId(id).setTimeMs(System.currentTimeMillis())
                    .setWorkerId("test-worker").setArtifact(dev.diffq.proto.Artifact.newBuilder().setName("spec.json")
                            .setSize(spec.length).setContentType("application/json").setKind("spec")).build();
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(Topics.EVENTS, id, event.toByteArray()))
                    .get(10, java.util.concurrent.TimeUnit.SECONDS);
        }
        long deadline = System.currentTimeMillis() + 15_000;
        while (runtime.table().get(id).orElseThrow().getArtifactsCount() == 0) {
            assertTrue(System.currentTimeMillis() < deadline, "the Artifact event was not folded into the job in 15 s");
            Thread.sleep(50);
        }
        Response r = given().get("/v1/jobs/" + id + "/artifacts");
        r.then().statusCode(200).body("artifacts.name", hasItem("spec.json"));
        String url = r.path("artifacts[0].url");
        assertTrue(url.startsWith(runtime.config().s3().publicEndpoint()), url);
        var http = java.net.http.HttpClient.newHttpClient();
        var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, resp.statusCode());
        assertTrue(resp.body().matches("(?s).*\"name\":\\s*\"arts\".*"), resp.body());
    }

    private static long depth(String topic) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        String line = metrics.lines().filter(l -> l.startsWith("diffq_queue_depth{topic=\"" + topic + "\"}")).findFirst()
                .orElseThrow(() -> new AssertionError(metrics));
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    @Test
    void serviceEndpointsAnswer() {
        given().get("/q/health").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem("kafka")).body("checks.name", hasItem("s3"));
        String queued = given().contentType(ContentType.JSON).body(trainSpec("metric")).post("/v1/jobs").then()
                .statusCode(201).extract().path("id");
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        long queuedJobs = runtime.table().all().stream().filter(j -> j.getState() == dev.diffq.proto.JobState.QUEUED).count();
        assertTrue(metrics.contains("diffq_jobs{state=\"QUEUED\"} " + queuedJobs + "\n"), metrics);
        // Nobody consumes the train topic here: every train request written so far is waiting.
        long trainRequests = TopicReader.readAll(bootstrap(), Topics.TRAIN).size();
        String depthLine = metrics.lines().filter(l -> l.startsWith("diffq_queue_depth{topic=\"diffq.requests.train\"}"))
                .findFirst().orElseThrow(() -> new AssertionError(metrics));
        long depth = Long.parseLong(depthLine.substring(depthLine.lastIndexOf(' ') + 1));
        assertEquals(trainRequests, depth, depthLine + " (" + queued + ")");
        assertTrue(metrics.contains("diffq_images_generated_total "), metrics);

        // A worker group that has taken everything on the high-priority train topic leaves nothing waiting there.
        given().contentType(ContentType.JSON).body("{\"priority\":\"PRIORITY_HIGH\",\"train\":{\"dataset\":\"mnist\",\"steps\":5}}")
                .post("/v1/jobs").then().statusCode(201);
        assertTrue(depth(Topics.TRAIN_HIGH) >= 1);
        var props = dev.diffq.coordinator.kafka.KafkaProps.consumer(bootstrap(), "diffq-test-workers");
        try (var worker = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            var parts = worker.partitionsFor(Topics.TRAIN_HIGH).stream()
                    .map(p -> new org.apache.kafka.common.TopicPartition(p.topic(), p.partition())).toList();
            var offsets = new java.util.HashMap<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata>();
            worker.endOffsets(parts).forEach((tp, end) -> offsets.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(end)));
            worker.commitSync(offsets);
        }
        assertEquals(0, depth(Topics.TRAIN_HIGH));

        String openapi = given().get("/q/openapi").then().statusCode(200).extract().asString();
        assertTrue(openapi.startsWith("openapi: 3"));
        String ui = given().get("/q/swagger-ui").then().statusCode(200).contentType(startsWith("text/html")).extract().asString();
        Set<String> operations = Set.of("/v1/jobs", "/v1/jobs/{id}/cancel", "/v1/jobs/{id}/events", "/v1/uploads",
                "/v1/datasets/{name}");
        for (String op : operations) {
            assertTrue(ui.contains("<code>" + op + "</code>"), op + " listed");
        }
    }
}
