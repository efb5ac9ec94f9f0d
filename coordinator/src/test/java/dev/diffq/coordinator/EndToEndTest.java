package dev.diffq.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import javax.imageio.ImageIO;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.Topics;
import dev.diffq.coordinator.jobs.JobTable;
import dev.diffq.coordinator.jobs.JobTableFeed;
import dev.diffq.deploy.cli.ClientCli;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.LoadedModel;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobRequest;
import dev.diffq.runtime.Worker;
import dev.diffq.runtime.WorkerConfig;
import dev.diffq.runtime.WorkerMain;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;

/**
 * The whole system through the coordinator's HTTP API: real workers (the engine-backed executors found
 * through ServiceLoader, as {@code diffq worker} starts them) run in this JVM against the coordinator's
 * in-process Kafka and S3. A tiny class-conditional UNet (8x8, 2 classes, 50 timesteps) trains on a dataset
 * uploaded as a zip; the later tests download it (through the artifact list and the client CLI) and sample,
 * inpaint and shard from that one checkpoint. The tests run in order because they share the trained job and the
 * fleet (the resume test closes a worker).
 */
@QuarkusTest
@WithTestResource(EndToEndServices.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(150);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final String DATASET = "tiny";

    /** The fleet, by worker id; the resume test closes one and starts another. */
    private static final Map<String, Worker> workers = new LinkedHashMap<>();
    private static Path workRoot;
    private static String trainedJob;
    private static String resumedJob;

    @Inject
    CoordinatorRuntime runtime;

    @ConfigProperty(name = "quarkus.http.test-port")
    int port;

    @BeforeEach
    void fleet() throws Exception {
        if (workers.isEmpty()) {
            workRoot = Files.createTempDirectory("diffq-e2e");
            startWorker("e2e-a");
            startWorker("e2e-b");
        }
    }

    @AfterAll
    static void stopFleet() {
        // Closed side by side: each waits for its consumers to leave their groups.
        CompletableFuture.allOf(workers.values().stream()
                .map(w -> CompletableFuture.runAsync(w::close)).toArray(CompletableFuture[]::new)).join();
        workers.clear();
    }

    private void startWorker(String id) throws Exception {
        var k = runtime.config().kafka();
        var s3 = runtime.config().s3();
        WorkerConfig config = WorkerConfig.defaults(k.bootstrap(), s3.endpoint(), s3.accessKey(), s3.secretKey())
                .withBucket(s3.bucket())
                .withWorker(id, workRoot.resolve(id))
                .withAttempts(3, Duration.ofMillis(200))
                .withKafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
        workers.put(id, WorkerMain.start(config));
    }

    // ------------------------------------------------------------------ 1. training

    @Test
    @Order(1)
    void aTinyTrainingJobSucceedsWithCheckpointsMetricsAndAGridStreamedLive() throws Exception {
        given().contentType("application/zip").body(tinyDatasetZip()).post("/v1/datasets/" + DATASET).then()
                .statusCode(201).body("images", equalTo(12)).body("classes", equalTo(List.of("class0", "class1")));

        String id = submit(trainSpec("tiny-e2e", 6, 3)).then().statusCode(201).extract().path("id");
        List<SseEvent> events = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<List<SseEvent>> stream = stream(id, events);

        JsonNode done = awaitJob(id, "SUCCEEDED");
        assertEquals(6, done.path("progress").path("step").asLong(), done.toString());
        assertTrue(Double.isFinite(done.path("progress").path("loss").asDouble(Double.NaN)), done.toString());

        List<SseEvent> all = stream.get(30, TimeUnit.SECONDS);
        List<String> names = all.stream().map(SseEvent::name).toList();
        assertEquals("state", names.get(0), "the current state comes first: " + names);
        assertEquals("end", names.get(names.size() - 1), names.toString());
        assertEquals("SUCCEEDED", JSON.readTree(all.get(all.size() - 1).data()).path("state").asText());
        assertTrue(all.stream().anyMatch(e -> e.name().equals("state") && json(e.data()).path("state").asText().equals("RUNNING")),
                "a RUNNING state event: " + names);
        List<Long> steps = all.stream().filter(e -> e.name().equals("progress"))
                .map(e -> json(e.data()).path("step").asLong()).toList();
        assertFalse(steps.isEmpty(), "progress events: " + names);
        assertEquals(6L, steps.get(steps.size() - 1), "the last progress is the last step: " + steps);
        Set<String> streamedArtifacts = new HashSet<>();
        all.stream().filter(e -> e.name().equals("artifact")).forEach(e -> streamedArtifacts.add(json(e.data()).path("name").asText()));
        assertTrue(streamedArtifacts.containsAll(List.of("checkpoints/step-6/", "metrics.jsonl", "samples/grid.png")),
                streamedArtifacts.toString());

        Map<String, JsonNode> artifacts = artifacts(id);
        for (String name : List.of("checkpoints/step-3/manifest.json", "checkpoints/step-6/manifest.json", "metrics.jsonl",
                "samples/grid.png", "result.json")) {
            assertTrue(artifacts.containsKey(name), name + " in " + artifacts.keySet());
        }
        assertEquals("checkpoint", artifacts.get("checkpoints/step-6/manifest.json").path("kind").asText());
        JsonNode grid = artifacts.get("samples/grid.png");
        assertEquals("image/png", grid.path("content_type").asText());
        byte[] png = download(grid.path("url").asText());
        assertEquals(grid.path("size").asLong(), png.length);
        BufferedImage gridImage = ImageIO.read(new ByteArrayInputStream(png));
        assertNotNull(gridImage, "the presigned grid URL gives a PNG");
        assertTrue(gridImage.getWidth() >= 8 * 8 && gridImage.getHeight() >= 2 * 8,
                "a grid of 8x8 images, a row per class: " + gridImage.getWidth() + "x" + gridImage.getHeight());
        String metrics = new String(download(artifacts.get("metrics.jsonl").path("url").asText()), StandardCharsets.UTF_8);
        assertTrue(metrics.lines().anyMatch(l -> json(l).has("loss")), metrics);
        trainedJob = id;
    }

    // ------------------------------------------------------------------ 2. downloading the model

    @Test
    @Order(2)
    void theArtifactListGivesEachCheckpointFileAndTheCliFetchesALoadableModel() throws Exception {
        String id = trainedJob();
        String jobPrefix = ObjectKeys.jobPrefix(id);
        JsonNode record = JSON.readTree(given().get("/v1/jobs/" + id).then().statusCode(200).extract().asString());
        List<String> recorded = new ArrayList<>();
        record.path("artifacts").forEach(a -> {
            if (a.path("kind").asText().equals("checkpoint")) {
                recorded.add(a.path("name").asText());
            }
        });
        assertEquals(List.of("checkpoints/step-3/", "checkpoints/step-6/"), recorded, "the record lists each checkpoint once");

        Map<String, JsonNode> artifacts = artifacts(id);
        assertFalse(artifacts.keySet().stream().anyMatch(n -> n.endsWith("/")), "no folder is listed: " + artifacts.keySet());
        for (long step : List.of(3L, 6L)) {
            String folder = ObjectKeys.checkpointFolder(step);
            List<String> listed = artifacts.keySet().stream().filter(n -> n.startsWith(folder)).toList();
            List<String> stored = runtime.store().list(ObjectKeys.checkpointPrefix(id, step)).stream()
                    .map(o -> o.key().substring(jobPrefix.length())).sorted().toList();
            assertEquals(stored, listed, "every object of the checkpoint, and only those");
            for (String file : List.of(Checkpoint.MANIFEST, Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.CONFIG, Checkpoint.STATE)) {
                assertTrue(listed.contains(folder + file), folder + file + " in " + listed);
            }
            for (String name : listed) {
                JsonNode a = artifacts.get(name);
                byte[] bytes = runtime.store().get(jobPrefix + name).orElseThrow();
                assertEquals("checkpoint", a.path("kind").asText(), name);
                assertEquals(name.endsWith(".json") ? "application/json" : "application/octet-stream",
                        a.path("content_type").asText(), name);
                assertEquals(bytes.length, a.path("size").asLong(), name);
                assertArrayEquals(bytes, download(a.path("url").asText()), name + ": the presigned URL gives the object");
            }
        }

        Path out = Files.createTempDirectory("diffq-fetch");
        String url = "http://localhost:" + port;
        CliRun whole = cli("fetch", id, out.resolve("job").toString(), "--url", url);
        for (String name : artifacts.keySet()) {
            assertArrayEquals(runtime.store().get(jobPrefix + name).orElseThrow(), Files.readAllBytes(out.resolve("job").resolve(name)),
                    name + ": " + whole);
        }
        assertTrue(whole.out().contains("fetched " + artifacts.size() + " files"), whole.toString());

        CliRun latest = cli("fetch", id, "--checkpoint", "latest", out.resolve("model").toString(), "--url", url);
        assertTrue(latest.out().contains("fetched checkpoint step 6 of job " + id), latest.toString());
        try (LoadedModel model = Checkpoint.load(out.resolve("model"))) {
            assertEquals(out.resolve("model").toAbsolutePath().normalize(), model.dir().toAbsolutePath().normalize(),
                    "the folder itself is the checkpoint");
            assertEquals(6, model.step());
            assertEquals(2, model.numClasses());
        }
    }

    record CliRun(String out, String err) {
        @Override
        public String toString() {
            return "out:\n" + out + "err:\n" + err;
        }
    }

    /** Runs bin/diffq's client command line in this JVM, as a user would against this coordinator; fails unless it exits 0. */
    private static CliRun cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = new ClientCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(), false).run(args);
        CliRun run = new CliRun(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("bin/diffq " + String.join(" ", args) + " -> " + code + "\n" + run);
        assertEquals(0, code, run.toString());
        return run;
    }

    // ------------------------------------------------------------------ 3. sampling

    @Test
    @Order(3)
    void aSamplingJobWritesItsImagesAnIndexAndOneGrid() throws Exception {
        String id = submit(sampleSpec(trainedJob(), 11, 2, 64, "")).then().statusCode(201)
                .body("shards_total", equalTo(1)).extract().path("id");
        awaitJob(id, "SUCCEEDED");
        Map<String, JsonNode> artifacts = artifacts(id);
        List<String> expected = List.of("samples/sample_c0_0.png", "samples/sample_c0_1.png", "samples/sample_c1_2.png",
                "samples/sample_c1_3.png");
        assertEquals(expected, imageNames(artifacts.keySet()));
        for (String name : expected) {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(download(artifacts.get(name).path("url").asText())));
            assertEquals(8, img.getWidth(), name);
            assertEquals(8, img.getHeight(), name);
        }
        assertTrue(artifacts.containsKey("result.json"), artifacts.keySet().toString());
        assertEquals("result", artifacts.get("result.json").path("kind").asText());
        JsonNode result = JSON.readTree(download(artifacts.get("result.json").path("url").asText()));
        List<String> indexed = new ArrayList<>();
        result.path("images").forEach(i -> indexed.add(i.path("name").asText()));
        assertEquals(expected, indexed, result.toString());
        assertEquals("1", result.path("images").get(3).path("label").asText());

        assertTrue(artifacts.containsKey("samples/grid.png"), artifacts.keySet().toString());
        BufferedImage grid = ImageIO.read(new ByteArrayInputStream(download(artifacts.get("samples/grid.png").path("url").asText())));
        // 2 per class in a row, one row per class, 8 px images with 2 px padding
        assertEquals(2 * (8 + 2) + 2, grid.getWidth());
        assertEquals(2 * (8 + 2) + 2, grid.getHeight());
    }

    // ------------------------------------------------------------------ 4. inpainting

    @Test
    @Order(4)
    void inpaintingKeepsTheKnownRegionOfTheUploadedImage() throws Exception {
        BufferedImage input = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage mask = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                input.getRaster().setSample(x, y, 0, (x * 29 + y * 13 + 7) % 256);
                mask.getRaster().setSample(x, y, 0, x < 4 ? 0 : 255); // black = keep, white = generate
            }
        }
        String image = given().contentType("image/png").body(png(input)).post("/v1/uploads").then().statusCode(201)
                .body("channels", equalTo(1)).extract().path("id");
        String maskId = given().contentType("image/png").body(png(mask)).post("/v1/uploads").then().statusCode(201)
                .extract().path("id");
        String body = "{\"name\":\"fill\",\"seed\":5,\"sample\":{\"checkpoint_job\":\"" + trainedJob() + "\","
                + "\"classes\":[1],\"per_class\":2,\"steps\":6,"
                + "\"inpaint\":{\"image\":\"" + image + "\",\"mask\":\"" + maskId + "\",\"jump_length\":2,\"resample\":2}}}";
        String id = submit(body).then().statusCode(201).extract().path("id");
        awaitJob(id, "SUCCEEDED");
        Map<String, JsonNode> artifacts = artifacts(id);
        List<String> images = imageNames(artifacts.keySet());
        assertEquals(List.of("samples/sample_c1_0.png", "samples/sample_c1_1.png"), images);
        for (String name : images) {
            BufferedImage out = ImageIO.read(new ByteArrayInputStream(download(artifacts.get(name).path("url").asText())));
            assertEquals(8, out.getWidth());
            boolean generatedDiffers = false;
            for (int y = 0; y < 8; y++) {
                for (int x = 0; x < 8; x++) {
                    int want = input.getRaster().getSample(x, y, 0);
                    int got = out.getRaster().getSample(x, y, 0);
                    if (x < 4) {
                        assertEquals(want, got, name + ": known pixel (" + x + "," + y + ") changed");
                    } else if (want != got) {
                        generatedDiffers = true;
                    }
                }
            }
            assertTrue(generatedDiffers, name + ": the white region was generated, not copied");
        }
    }

    // ------------------------------------------------------------------ 5. sharding over two workers

    @Test
    @Order(5)
    void aShardedJobOnTwoWorkersGivesTheImagesOfOneUnshardedRun() throws Exception {
        // An id whose shard keys land on both partitions of the sample topic: each worker holds one of them.
        String sharded = spreadId("sharded", 3);
        given().contentType(ContentType.JSON).body(sampleSpec(trainedJob(), 21, 3, 2, "")).put("/v1/jobs/" + sharded)
                .then().statusCode(201).body("shards_total", equalTo(3));
        String whole = submit(sampleSpec(trainedJob(), 21, 3, 64, "")).then().statusCode(201)
                .body("shards_total", equalTo(1)).extract().path("id");
        JsonNode done = awaitJob(sharded, "SUCCEEDED");
        assertEquals(3, done.path("shards_done").asInt());
        // the job's progress is all of its shards: 3 shards of 5 DDIM steps, every one counted in full
        assertEquals(15, done.path("progress").path("total").asInt(), done.toString());
        assertEquals(15, done.path("progress").path("step").asInt(), done.toString());
        assertEquals(0, done.path("running_shards").size(), "no shard is left running: " + done);
        awaitJob(whole, "SUCCEEDED");

        List<String> expected = new ArrayList<>();
        for (int n = 0; n < 6; n++) {
            expected.add("samples/sample_c" + (n < 3 ? 0 : 1) + "_" + n + ".png");
        }
        Map<String, JsonNode> artifacts = artifacts(sharded);
        assertEquals(expected, imageNames(artifacts.keySet()), "every image listed once");
        // what the bucket holds: every image once, whichever worker ran which shard
        List<String> stored = new ArrayList<>();
        for (var o : runtime.store().list(ObjectKeys.samples(sharded))) {
            String name = o.key().substring(ObjectKeys.jobPrefix(sharded).length());
            if (name.matches("samples/sample_c.*\\.png")) {
                stored.add(name);
            }
        }
        Collections.sort(stored);
        assertEquals(expected, stored);
        JsonNode result = JSON.readTree(runtime.store().get(ObjectKeys.result(sharded)).orElseThrow());
        List<Integer> indices = new ArrayList<>();
        result.path("images").forEach(i -> indices.add(i.path("index").asInt()));
        assertEquals(List.of(0, 1, 2, 3, 4, 5), indices, "the index lists images only (no per-shard grids): " + result);
        for (String name : expected) {
            byte[] a = runtime.store().get(ObjectKeys.jobPrefix(sharded) + name).orElseThrow();
            byte[] b = runtime.store().get(ObjectKeys.jobPrefix(whole) + name).orElseThrow(() -> new AssertionError(name));
            assertArrayEquals(b, a, name + " differs between the sharded and the unsharded run");
        }
        BufferedImage grid = ImageIO.read(new ByteArrayInputStream(download(artifacts.get("samples/grid.png").path("url").asText())));
        assertEquals(3 * 10 + 2, grid.getWidth(), "one column per image of a class");
        assertEquals(2 * 10 + 2, grid.getHeight(), "one row per class");
        Set<String> ranBy = new HashSet<>();
        for (int shard = 0; shard < 3; shard++) {
            JsonNode r = JSON.readTree(runtime.store().get(ObjectKeys.shardResult(sharded, shard)).orElseThrow());
            ranBy.add(r.path("workerId").asText());
        }
        assertEquals(workers.keySet(), ranBy, "the shards ran on both workers");
    }

    /** {@code <prefix>-<n>} whose shard keys {@code <id>/<i>} (i < shards) fall on every request partition. */
    private String spreadId(String prefix, int shards) {
        int partitions = runtime.config().kafka().requestPartitions();
        for (int n = 0; ; n++) {
            String id = prefix + "-" + n;
            Set<Integer> hit = new HashSet<>();
            for (int i = 0; i < shards; i++) {
                byte[] key = dev.diffq.coordinator.jobs.ShardPlan.shardKey(id, i).getBytes(StandardCharsets.UTF_8);
                hit.add(org.apache.kafka.common.utils.Utils.toPositive(org.apache.kafka.common.utils.Utils.murmur2(key)) % partitions);
            }
            if (hit.size() == Math.min(shards, partitions)) {
                return id;
            }
        }
    }

    // ------------------------------------------------------------------ 6. idempotency

    @Test
    @Order(6)
    void resubmittingWithTheSameIdempotencyKeyAnswersTheSameJob() throws Exception {
        String key = "e2e-" + UUID.randomUUID();
        String spec = sampleSpec(trainedJob(), 31, 1, 64, "");
        Response first = given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(spec).post("/v1/jobs");
        first.then().statusCode(201);
        String id = first.path("id");
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(spec).post("/v1/jobs").then()
                .statusCode(200).body("id", equalTo(id));
        awaitJob(id, "SUCCEEDED");
        // after it ran, still the same job, still not queued again
        given().contentType(ContentType.JSON).header("Idempotency-Key", key).body(spec).post("/v1/jobs").then()
                .statusCode(200).body("id", equalTo(id)).body("state", equalTo("SUCCEEDED"));
        assertEquals(1, requestsOf(id, Topics.SAMPLE, Topics.SAMPLE_HIGH).size(), "one request on the topics");
        assertEquals(1, given().get("/v1/jobs?limit=500").then().statusCode(200).extract().<List<String>>path("jobs.idempotency_key")
                .stream().filter(key::equals).count());
    }

    // ------------------------------------------------------------------ 7. cancel

    @Test
    @Order(7)
    void cancellingARunningTrainingJobStopsIt() throws Exception {
        String id = submit(trainSpec("endless", 1_000_000, 100_000)).then().statusCode(201).extract().path("id");
        awaitJob(id, j -> j.path("state").asText().equals("RUNNING") && j.path("progress").path("step").asLong() > 0,
                JOB_TIMEOUT);
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(202);
        // a few seconds: the worker sees the cancel within a training step or two
        JsonNode cancelled = awaitJob(id, j -> j.path("state").asText().equals("CANCELLED"), Duration.ofSeconds(20));
        assertTrue(cancelled.path("progress").path("step").asLong() < 1_000_000);
        given().post("/v1/jobs/" + id + "/cancel").then().statusCode(409).body("error", equalTo("conflict"));
    }

    // ------------------------------------------------------------------ 8. a worker lost mid-training

    @Test
    @Order(8)
    void anotherWorkerResumesATrainingJobFromItsCheckpointWhenItsWorkerStops() throws Exception {
        String id = submit(trainSpec("resumable", 200, 50)).then().statusCode(201).extract().path("id");
        JsonNode running = awaitJob(id, j -> j.path("state").asText().equals("RUNNING")
                && j.path("progress").path("step").asLong() >= 10, JOB_TIMEOUT);
        String first = running.path("worker_id").asText();
        Worker stopping = workers.remove(first);
        assertNotNull(stopping, "the job runs on a worker of the fleet: " + first);
        stopping.close(); // lets go of the job: it checkpoints at the next step and hands the request back

        JsonNode done = awaitJob(id, "SUCCEEDED");
        assertNotEquals(first, done.path("worker_id").asText(), "finished by another worker");
        assertEquals(200, done.path("progress").path("step").asLong());
        JsonNode result = JSON.readTree(download(artifacts(id).get("result.json").path("url").asText()));
        long resumedFrom = result.path("summary").path("resumed_from_step").asLong();
        assertTrue(resumedFrom >= 10 && resumedFrom < 200, "resumed from the checkpoint taken on letting go: " + result);
        assertEquals(200, result.path("summary").path("steps").asLong(), result.toString());
        startWorker("e2e-c"); // the fleet is two again
        resumedJob = id;
    }

    // ------------------------------------------------------------------ 9. poison request

    @Test
    @Order(9)
    void aRequestThatCannotRunEndsInTheDeadLetterTopicAndItsJobFails() throws Exception {
        assertNotNull(resumedJob, "needs the job of the resume test");
        // The checkpoint disappears behind the coordinator's back: the job record still says SUCCEEDED.
        for (var o : runtime.store().list(ObjectKeys.jobPrefix(resumedJob) + "checkpoints/")) {
            runtime.store().deleteQuietly(o.key());
        }
        String body = "{\"name\":\"doomed\",\"seed\":3,\"max_attempts\":2,\"sample\":{\"checkpoint_job\":\"" + resumedJob
                + "\",\"classes\":[0],\"per_class\":1,\"steps\":2,\"generate\":{}}}";
        String id = submit(body).then().statusCode(201).extract().path("id");
        JsonNode failed = awaitJob(id, "FAILED");
        String error = failed.path("error").asText();
        assertTrue(error.contains("checkpoint"), error);
        assertEquals(2, failed.path("attempts").asInt(), failed.toString());

        List<ConsumerRecord<String, byte[]>> dead = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(runtime.config().kafka().bootstrap(), Topics.DLQ)) {
            if (JobRequest.parseFrom(r.value()).getJobId().equals(id)) {
                dead.add(r);
            }
        }
        assertEquals(1, dead.size(), "one dead letter");
        Header reason = dead.get(0).headers().lastHeader(Topics.HEADER_REASON);
        assertNotNull(reason);
        assertTrue(new String(reason.value(), StandardCharsets.UTF_8).contains("checkpoint"));
        assertEquals("2", new String(dead.get(0).headers().lastHeader(Topics.HEADER_ATTEMPTS).value(), StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ 10. a restarted coordinator

    @Test
    @Order(10)
    void aJobTableRebuiltFromTheTopicListsTheSameJobs() throws Exception {
        assertNotNull(trainedJob);
        List<String> listed = given().get("/v1/jobs?limit=500").then().statusCode(200).extract().path("jobs.id");
        assertTrue(listed.size() >= 9, listed.toString());
        JobTable replica = new JobTable();
        try (JobTableFeed feed = JobTableFeed.start(runtime.config().kafka().bootstrap(), replica, Duration.ofSeconds(30))) {
            assertEquals(runtime.table().list(null, null, 500, null).jobs(), replica.list(null, null, 500, null).jobs());
            assertEquals(listed, replica.list(null, null, 500, null).jobs().stream().map(JobRecord::getId).toList());
            assertEquals("SUCCEEDED", replica.get(trainedJob).orElseThrow().getState().name());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** The tiny trained job of the first test. */
    private static String trainedJob() {
        assertNotNull(trainedJob, "needs the trained job of the first test");
        return trainedJob;
    }

    private static String trainSpec(String name, int steps, int checkpointEvery) {
        return "{\"name\":\"" + name + "\",\"seed\":7,\"train\":{\"model\":{\"preset\":\"custom\",\"image_size\":8,"
                + "\"in_channels\":1,\"base_channels\":8,\"channel_mults\":[1,2],\"blocks_per_level\":1,\"num_classes\":2},"
                + "\"dataset\":\"upload:" + DATASET + "\",\"steps\":" + steps + ",\"batch_size\":4,\"timesteps\":50,"
                + "\"warmup_steps\":1,\"checkpoint_every_steps\":" + checkpointEvery + ",\"log_every_steps\":2}}";
    }

    /** Classes 0 and 1, {@code perClass} each, 5 DDIM steps. */
    private static String sampleSpec(String checkpoint, long seed, int perClass, int shardSize, String extra) {
        return "{\"name\":\"draw\",\"seed\":" + seed + ",\"sample\":{\"checkpoint_job\":\"" + checkpoint + "\","
                + "\"classes\":[0,1],\"per_class\":" + perClass + ",\"sampler\":\"ddim\",\"steps\":5,"
                + "\"shard_size\":" + shardSize + extra + ",\"generate\":{}}}";
    }

    private static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/jobs");
    }

    private static JsonNode awaitJob(String id, String state) throws Exception {
        JsonNode j = awaitJob(id, r -> JobTable.isFinished(dev.diffq.proto.JobState.valueOf(r.path("state").asText())),
                JOB_TIMEOUT);
        assertEquals(state, j.path("state").asText(), "job " + id + ": " + j);
        return j;
    }

    /** Polls GET /v1/jobs/{id} until {@code until} holds. */
    private static JsonNode awaitJob(String id, Predicate<JsonNode> until, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = JSON.readTree(given().get("/v1/jobs/" + id).then().statusCode(200).extract().asString());
            if (until.test(last)) {
                return last;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " did not get there in " + timeout + "; last: " + last);
    }

    /** GET /v1/jobs/{id}/artifacts by name. */
    private static Map<String, JsonNode> artifacts(String id) throws IOException {
        JsonNode list = JSON.readTree(given().get("/v1/jobs/" + id + "/artifacts").then().statusCode(200).extract().asString());
        Map<String, JsonNode> byName = new TreeMap<>();
        for (JsonNode a : list.path("artifacts")) {
            assertEquals(null, byName.put(a.path("name").asText(), a), "listed twice: " + a);
        }
        return byName;
    }

    /** The sample_c&lt;label&gt;_&lt;n&gt;.png names, ordered by n. */
    private static List<String> imageNames(Set<String> names) {
        return names.stream().filter(n -> n.matches("samples/sample_c[0-9u-]+_\\d+\\.png"))
                .sorted(java.util.Comparator.comparingInt(n -> Integer.parseInt(n.substring(n.lastIndexOf('_') + 1, n.length() - 4))))
                .toList();
    }

    private List<JobRequest> requestsOf(String id, String... topics) throws Exception {
        List<JobRequest> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(runtime.config().kafka().bootstrap(), topics)) {
            JobRequest req = JobRequest.parseFrom(r.value());
            if (req.getJobId().equals(id)) {
                out.add(req);
            }
        }
        return out;
    }

    private static byte[] download(String url) throws Exception {
        HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, r.statusCode(), url);
        return r.body();
    }

    private static JsonNode json(String s) {
        try {
            return JSON.readTree(s);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    record SseEvent(String name, String data) {}

    /** Reads the job's event stream in the background until the server closes it. */
    private CompletableFuture<List<SseEvent>> stream(String id, List<SseEvent> sink) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/jobs/" + id + "/events"))
                .header("Accept", "text/event-stream").build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofLines()).thenApply(resp -> {
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

    private static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Two classes of six 8x8 images: a bright square top-left (class0) or bottom-right (class1), with noise. */
    private static byte[] tinyDatasetZip() throws IOException {
        Random rnd = new Random(3);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (int c = 0; c < 2; c++) {
                for (int n = 0; n < 6; n++) {
                    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            boolean on = c == 0 ? (x < 4 && y < 4) : (x >= 4 && y >= 4);
                            img.getRaster().setSample(x, y, 0, Math.max(0, Math.min(255, (on ? 220 : 30) + rnd.nextInt(30) - 15)));
                        }
                    }
                    zip.putNextEntry(new ZipEntry("tiny/class" + c + "/img" + n + ".png"));
                    zip.write(png(img));
                    zip.closeEntry();
                }
            }
        }
        return bytes.toByteArray();
    }
}
