package dev.diffq.coordinator;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.Topics;
import dev.diffq.coordinator.jobs.JobTable;
import dev.diffq.coordinator.jobs.JobTableFeed;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobState;
import dev.diffq.proto.Progress;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;

/** Workers' events (produced here by hand) folded into the job table, the SSE stream, and sharded jobs. */
@QuarkusTest
@WithTestResource(CoordinatorServices.class)
class EventFoldingTest {
    @Inject
    CoordinatorRuntime runtime;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    private KafkaProducer<String, byte[]> worker;
    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeEach
    void producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, runtime.config().kafka().bootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        worker = new KafkaProducer<>(p);
    }

    @AfterEach
    void close() {
        worker.close();
    }

    private void emit(JobEvent.Builder e) throws Exception {
        JobEvent event = e.setTimeMs(System.currentTimeMillis()).setWorkerId("test-worker").build();
        worker.send(new ProducerRecord<>(Topics.EVENTS, event.getJobId(), event.toByteArray())).get(10, TimeUnit.SECONDS);
    }

    private JobRecord await(String id, Predicate<JobRecord> until) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < deadline) {
            JobRecord r = runtime.table().get(id).orElseThrow();
            if (until.test(r)) {
                return r;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("job " + id + " never reached the expected state: " + runtime.table().get(id));
    }

    private String submit(String json) {
        return given().contentType(ContentType.JSON).body(json).post("/v1/jobs").then().statusCode(201).extract().path("id");
    }

    record SseEvent(String name, String data) {}

    /** Reads an SSE stream in the background until it closes. */
    private CompletableFuture<List<SseEvent>> stream(String id, List<SseEvent> sink) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").build();
        return http.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenApply(resp -> {
            assertEquals(200, resp.statusCode());
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line : (Iterable<String>) resp.body()::iterator) {
                if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                } else if (line.isEmpty() && name != null) {
                    sink.add(new SseEvent(name, data.toString()));
                    name = null;
                    data.setLength(0);
                }
            }
            return sink;
        });
    }

    @Test
    void eventsDriveTheRecordAndTheLiveStream() throws Exception {
        String id = submit(JobApiTest.trainSpec("followed"));
        List<SseEvent> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<List<SseEvent>> done = stream(id, events);
        long deadline = System.currentTimeMillis() + 10_000;
        while (events.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertEquals("state", events.get(0).name(), "the current state comes first");
        assertEquals("QUEUED", JSON.readTree(events.get(0).data()).path("state").asText());

        emit(JobEvent.newBuilder().setJobId(id).setAttempt(1).setStarted(JobEvent.Started.getDefaultInstance()));
        JobRecord running = await(id, r -> r.getState() == JobState.RUNNING);
        assertEquals("test-worker", running.getWorkerId());
        assertEquals(1, running.getAttempts());
        assertTrue(running.getStartedMs() > 0);

        emit(JobEvent.newBuilder().setJobId(id).setProgress(Progress.newBuilder().setStep(5).setTotal(10).setLoss(0.25)
                .setPhase("training")));
        await(id, r -> r.getProgress().getStep() == 5);
        emit(JobEvent.newBuilder().setJobId(id).setArtifact(Artifact.newBuilder().setName("samples/grid.png").setSize(123)
                .setContentType("image/png").setKind("grid")));
        await(id, r -> r.getArtifactsList().stream().anyMatch(a -> a.getName().equals("samples/grid.png")));
        emit(JobEvent.newBuilder().setJobId(id).setSucceeded(JobEvent.Succeeded.newBuilder().setResult(ObjectKeys.result(id))));
        JobRecord finished = await(id, r -> r.getState() == JobState.SUCCEEDED);
        assertTrue(finished.getFinishedMs() >= finished.getStartedMs());
        assertEquals(1, finished.getShardsDone());

        List<SseEvent> all = done.get(10, TimeUnit.SECONDS);
        List<String> names = all.stream().map(SseEvent::name).toList();
        assertEquals(List.of("state", "state", "progress", "artifact", "state", "end"), names, all.toString());
        assertEquals("RUNNING", JSON.readTree(all.get(1).data()).path("state").asText());
        assertEquals(5, JSON.readTree(all.get(2).data()).path("step").asInt());
        assertEquals("samples/grid.png", JSON.readTree(all.get(3).data()).path("name").asText());
        assertEquals("SUCCEEDED", JSON.readTree(all.get(5).data()).path("state").asText());

        // Late events do not reopen a finished job; a finished job's stream is its state and end.
        emit(JobEvent.newBuilder().setJobId(id).setStarted(JobEvent.Started.getDefaultInstance()));
        List<SseEvent> again = stream(id, Collections.synchronizedList(new ArrayList<>())).get(10, TimeUnit.SECONDS);
        assertEquals(List.of("state", "end"), again.stream().map(SseEvent::name).toList());
        Thread.sleep(300);
        assertEquals(JobState.SUCCEEDED, runtime.table().get(id).orElseThrow().getState());
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(409);
    }

    @Test
    void aFailureIsRecordedWithItsReason() throws Exception {
        String id = submit(JobApiTest.trainSpec("doomed"));
        emit(JobEvent.newBuilder().setJobId(id).setStarted(JobEvent.Started.getDefaultInstance()));
        emit(JobEvent.newBuilder().setJobId(id).setFailed(JobEvent.Failed.newBuilder().setReason("out of memory")));
        JobRecord failed = await(id, r -> r.getState() == JobState.FAILED);
        assertEquals("out of memory", failed.getError());
        given().get("/v1/jobs/" + id).then().statusCode(200).body("error", org.hamcrest.Matchers.equalTo("out of memory"));
    }

    @Test
    void aRetryableFailurePutsTheJobBackInTheQueueUntilItRunsAgain() throws Exception {
        String id = submit(JobApiTest.trainSpec("flaky"));
        emit(JobEvent.newBuilder().setJobId(id).setAttempt(1).setStarted(JobEvent.Started.getDefaultInstance()));
        await(id, r -> r.getState() == JobState.RUNNING);
        emit(JobEvent.newBuilder().setJobId(id).setAttempt(1)
                .setFailed(JobEvent.Failed.newBuilder().setReason("worker let go").setRetryable(true)));
        JobRecord requeued = await(id, r -> r.getState() == JobState.QUEUED);
        assertEquals("worker let go", requeued.getError());
        emit(JobEvent.newBuilder().setJobId(id).setAttempt(2).setStarted(JobEvent.Started.getDefaultInstance()));
        JobRecord again = await(id, r -> r.getState() == JobState.RUNNING);
        assertEquals(2, again.getAttempts());
    }

    @Test
    void aRunningJobIsCancelledWhenItsWorkerReportsIt() throws Exception {
        String id = submit(JobApiTest.trainSpec("stop-me"));
        emit(JobEvent.newBuilder().setJobId(id).setStarted(JobEvent.Started.getDefaultInstance()));
        await(id, r -> r.getState() == JobState.RUNNING);
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(202).body("state", org.hamcrest.Matchers.equalTo("RUNNING"));
        emit(JobEvent.newBuilder().setJobId(id).setCancelled(JobEvent.Cancelled.newBuilder().setReason("cancelled by request")));
        await(id, r -> r.getState() == JobState.CANCELLED);
    }

    @Test
    void aShardedSampleJobSucceedsOnlyAfterEveryShardWithOneIndexAndGrid() throws Exception {
        String checkpoint = submit(JobApiTest.trainSpec("ckpt-for-sharding"));
        emit(JobEvent.newBuilder().setJobId(checkpoint).setSucceeded(JobEvent.Succeeded.getDefaultInstance()));
        await(checkpoint, r -> r.getState() == JobState.SUCCEEDED);

        // 2 classes x 3 per class = 6 images, shards of 2: 3 shards.
        String id = submit("{\"sample\":{\"checkpoint_job\":\"" + checkpoint + "\",\"classes\":[3,7],\"per_class\":3,"
                + "\"shard_size\":2,\"steps\":4,\"generate\":{}}}");
        JobRecord queued = runtime.table().get(id).orElseThrow();
        assertEquals(3, queued.getShardsTotal());
        List<JobRequest> requests = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (var r : TopicReader.readAll(runtime.config().kafka().bootstrap(), Topics.SAMPLE)) {
            JobRequest req = JobRequest.parseFrom(r.value());
            if (req.getJobId().equals(id)) {
                requests.add(req);
                keys.add(r.key());
            }
        }
        assertEquals(3, requests.size());
        Collections.sort(keys);
        assertEquals(List.of(id + "/0", id + "/1", id + "/2"), keys);
        assertTrue(requests.stream().allMatch(r -> r.getShardCount() == 3 && r.getSpec().equals(queued.getSpec())));

        // What the workers would write: 28x28 images named by class and global image index (class-major).
        int n = 0;
        for (int c : new int[] {3, 7}) {
            for (int k = 0; k < 3; k++, n++) {
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                img.getRaster().setSample(k, c, 0, 255);
                ByteArrayOutputStream png = new ByteArrayOutputStream();
                ImageIO.write(img, "png", png);
                String folder = "shard-" + (n / 2) + "/"; // shards may write into their own folders
                runtime.store().put(ObjectKeys.samples(id) + folder + "sample_c" + c + "_" + n + ".png", png.toByteArray(),
                        "image/png");
            }
        }
        for (int shard : new int[] {2, 0}) {
            emit(JobEvent.newBuilder().setJobId(id).setShardIndex(shard).setStarted(JobEvent.Started.getDefaultInstance()));
            emit(JobEvent.newBuilder().setJobId(id).setShardIndex(shard).setSucceeded(JobEvent.Succeeded.getDefaultInstance()));
        }
        JobRecord partial = await(id, r -> r.getShardsDone() == 2);
        assertEquals(JobState.RUNNING, partial.getState());
        assertEquals(List.of(0, 2), partial.getShardsSucceededList());
        assertFalse(runtime.store().exists(ObjectKeys.result(id)));
        // A repeated success of a shard (redelivery) does not count twice.
        emit(JobEvent.newBuilder().setJobId(id).setShardIndex(2).setSucceeded(JobEvent.Succeeded.getDefaultInstance()));
        Thread.sleep(300);
        assertEquals(JobState.RUNNING, runtime.table().get(id).orElseThrow().getState());

        emit(JobEvent.newBuilder().setJobId(id).setShardIndex(1).setSucceeded(JobEvent.Succeeded.getDefaultInstance()));
        JobRecord done = await(id, r -> r.getState() == JobState.SUCCEEDED);
        assertEquals(3, done.getShardsDone());
        JsonNode result = JSON.readTree(runtime.store().get(ObjectKeys.result(id)).orElseThrow());
        assertEquals(6, result.path("images").size());
        assertEquals("samples/shard-0/sample_c3_0.png", result.path("images").get(0).path("name").asText());
        assertEquals("samples/shard-2/sample_c7_5.png", result.path("images").get(5).path("name").asText());
        assertEquals("7", result.path("images").get(5).path("label").asText());
        BufferedImage grid = ImageIO.read(new ByteArrayInputStream(runtime.store().get(ObjectKeys.jobPrefix(id) + "samples/grid.png").orElseThrow()));
        assertEquals(3 * 30 + 2, grid.getWidth(), "one column per image of a class");
        assertEquals(2 * 30 + 2, grid.getHeight(), "one row per class");
        assertTrue(done.getArtifactsList().stream().anyMatch(a -> a.getName().equals("result.json") && a.getKind().equals("result")));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("diffq_job_duration_seconds_count{kind=\"sample\",state=\"SUCCEEDED\"} "), metrics);
    }

    @Test
    void aSecondTableRebuiltFromTheTopicAnswersTheSame() throws Exception {
        String id = submit(JobApiTest.trainSpec("rebuilt"));
        emit(JobEvent.newBuilder().setJobId(id).setStarted(JobEvent.Started.getDefaultInstance()));
        await(id, r -> r.getState() == JobState.RUNNING);
        String key = "rebuild-" + System.nanoTime();
        String keyed = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(JobApiTest.trainSpec("k"))
                .post("/v1/jobs").then().statusCode(201).extract().path("id");
        Thread.sleep(300); // let the folding loop settle

        JobTable replica = new JobTable();
        try (JobTableFeed feed = JobTableFeed.start(runtime.config().kafka().bootstrap(), replica, Duration.ofSeconds(30))) {
            assertEquals(runtime.table().size(), replica.size());
            for (JobRecord r : runtime.table().all()) {
                assertEquals(r, replica.get(r.getId()).orElseThrow(), "job " + r.getId());
            }
            assertEquals(JobState.RUNNING, replica.get(id).orElseThrow().getState());
            assertEquals(keyed, replica.byIdempotencyKey(key).orElseThrow().getId());
            assertEquals(runtime.table().list(null, null, 500, null).jobs(), replica.list(null, null, 500, null).jobs());
        }
    }
}
