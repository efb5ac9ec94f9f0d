package dev.diffq.deploy.cli;

import dev.diffq.contract.JobJson;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.Priority;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The client commands against a scripted stand-in for the coordinator. */
class ClientCliTest {

    private FakeCoordinator fake;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() throws Exception {
        fake = new FakeCoordinator();
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    private int run(Map<String, String> env, boolean tty, String... args) {
        ClientCli cli = new ClientCli(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                env, tty, ZoneOffset.UTC);
        cli.reconnectDelayMillis = 10;
        return cli.run(args);
    }

    private int run(String... args) {
        return run(Map.of("DIFFQ_URL", fake.url()), false, args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String record(String id, String state, String extra) {
        return "{\"id\":\"" + id + "\",\"state\":\"" + state + "\"" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    // ---------- submitting ----------

    @Test
    void trainPostsTheSpecWithTheToken() throws Exception {
        fake.json("POST /v1/jobs", 201, record("j-1", "QUEUED", "\"spec\":{\"train\":{\"dataset\":\"mnist\",\"steps\":300}}"));
        int code = run(Map.of("DIFFQ_URL", fake.url(), "DIFFQ_TOKEN", "s3cret"), false,
                "train", "--steps", "300", "--name", "digits", "--priority", "high");
        assertEquals(0, code, err());
        FakeCoordinator.Request r = fake.requests("POST", "/v1/jobs").get(0);
        assertEquals("Bearer s3cret", r.header("Authorization"));
        assertEquals("application/json", r.header("Content-Type"));
        assertNull(r.header("Idempotency-Key"));
        JobSpec sent = JobJson.parseSpec(r.bodyText());
        assertEquals("digits", sent.getName());
        assertEquals(Priority.PRIORITY_HIGH, sent.getPriority());
        assertEquals(300, sent.getTrain().getSteps());
        assertTrue(r.bodyText().contains("\"max_minutes\"") == false && r.bodyText().contains("\"steps\":300"), r.bodyText());
        assertTrue(out().contains("submitted job j-1: train mnist-small on mnist, 300 steps (QUEUED)"), out());
        assertTrue(out().contains("bin/diffq watch j-1"), out());
    }

    @Test
    void chosenIdIsAPutAndTheKeyAHeader() throws Exception {
        fake.json("PUT /v1/jobs/my-job", 201, record("my-job", "QUEUED", ""));
        assertEquals(0, run("sample", "j-1", "--id", "my-job", "--key", "k-9", "--classes", "1,2", "--url", fake.url()), err());
        FakeCoordinator.Request r = fake.requests("PUT", "/v1/jobs/my-job").get(0);
        assertEquals("k-9", r.header("Idempotency-Key"));
        assertNull(r.header("Authorization"), "no token, no header");
        assertEquals(List.of(1, 2), JobJson.parseSpec(r.bodyText()).getSample().getClassesList());
    }

    @Test
    void rejectedSpecShowsEveryViolation() {
        fake.json("POST /v1/jobs", 400, "{\"error\":\"invalid_request\",\"message\":\"train.batch_size: must be between 1 and 4096\","
                + "\"violations\":[{\"field\":\"train.batch_size\",\"rule\":\"must be between 1 and 4096\"},"
                + "{\"field\":\"train.loss\",\"rule\":\"unknown loss 'mse': one of l2, l1, huber\"}]}");
        assertEquals(1, run("train", "--batch", "0", "--loss", "mse"));
        assertEquals("diffq: the coordinator rejected the request to submit the job (HTTP 400 invalid_request):\n"
                + "  train.batch_size: must be between 1 and 4096\n"
                + "  train.loss: unknown loss 'mse': one of l2, l1, huber\n", err());
    }

    @Test
    void rejectedSpecAsJson() throws Exception {
        fake.json("POST /v1/jobs", 413, "{\"error\":\"too_large\",\"message\":\"sample.per_class: asks for 20000 images: at most 10000 per job\","
                + "\"violations\":[{\"field\":\"sample.per_class\",\"rule\":\"asks for 20000 images: at most 10000 per job\"}]}");
        assertEquals(1, run("sample", "j", "--per-class", "2000", "--classes", "0-9", "--json"));
        var body = Json.object(out().trim()).orElseThrow();
        assertEquals("413", Json.string(body, "status"));
        assertEquals("too_large", Json.string(body, "error"));
        assertEquals("sample.per_class", Json.string(Json.list(body, "violations").get(0).getStructValue(), "field"));
        assertTrue(err().contains("HTTP 413 too_large"), err());
    }

    @Test
    void unreachableCoordinatorNamesTheUrlAndTheFix() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "http://127.0.0.1:" + port;
        assertEquals(CliException.UNREACHABLE, run(Map.of("DIFFQ_URL", url), false, "jobs"));
        assertTrue(err().startsWith("diffq: cannot reach the coordinator at " + url), err());
        assertTrue(err().contains("bin/diffq up"), err());
    }

    @Test
    void badUrlIsAUsageError() {
        assertEquals(CliException.USAGE, run("jobs", "--url", "localhost:8080"));
        assertEquals("diffq: --url: expected http://HOST:PORT, got 'localhost:8080'\n", err());
    }

    @Test
    void uploadsLocalImagesBeforeSubmitting(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("digit.png"), new byte[] {1, 2, 3});
        Path mask = Files.write(dir.resolve("mask.png"), new byte[] {4, 5});
        fake.json("POST /v1/uploads", 201, "{\"id\":\"u-img\",\"width\":28,\"height\":28,\"channels\":1,\"size\":3}")
                .json("POST /v1/uploads", 201, "{\"id\":\"u-mask\",\"width\":28,\"height\":28,\"channels\":1,\"size\":2}")
                .json("POST /v1/jobs", 201, record("j-2", "QUEUED", ""));
        assertEquals(0, run("inpaint", "j-1", "--image", image.toString(), "--mask", mask.toString(), "--classes", "3"), err());
        List<FakeCoordinator.Request> uploads = fake.requests("POST", "/v1/uploads");
        assertEquals(2, uploads.size());
        assertArrayEquals(new byte[] {1, 2, 3}, uploads.get(0).body());
        assertEquals("image/png", uploads.get(0).header("Content-Type"));
        JobSpec sent = JobJson.parseSpec(fake.requests("POST", "/v1/jobs").get(0).bodyText());
        assertEquals("u-img", sent.getSample().getInpaint().getImage());
        assertEquals("u-mask", sent.getSample().getInpaint().getMask());
        assertTrue(out().contains("uploaded " + image + " as u-img (28x28)"), out());
    }

    @Test
    void classesAllAsksTheCheckpointJobsModel() throws Exception {
        fake.json("GET /v1/jobs/j-1", 200, record("j-1", "SUCCEEDED", "\"spec\":{\"train\":{\"dataset\":\"mnist\",\"model\":{\"preset\":\"mnist-small\",\"num_classes\":4}}}"))
                .json("POST /v1/jobs", 201, record("j-3", "QUEUED", ""));
        assertEquals(0, run("sample", "j-1", "--classes", "all"), err());
        assertEquals(List.of(0, 1, 2, 3), JobJson.parseSpec(fake.requests("POST", "/v1/jobs").get(0).bodyText()).getSample().getClassesList());
    }

    @Test
    void classesAllOfAnUnconditionalModelIsAnError() {
        fake.json("GET /v1/jobs/j-1", 200, record("j-1", "SUCCEEDED", "\"spec\":{\"train\":{\"dataset\":\"mnist\",\"model\":{\"num_classes\":0}}}"));
        assertEquals(CliException.USAGE, run("sample", "j-1", "--classes", "all"));
        assertTrue(err().contains("trained an unconditional model"), err());
        assertTrue(fake.requests("POST", "/v1/jobs").isEmpty());
    }

    @Test
    void dryRunSendsNothingAndChecksLocally() throws Exception {
        assertEquals(0, run("train", "--steps", "10", "--dry-run"));
        assertEquals(10, JobJson.parseSpec(out()).getTrain().getSteps());
        assertTrue(fake.requests.isEmpty());
        assertEquals(CliException.USAGE, run("train", "--batch", "0", "--dry-run"));
        assertTrue(err().contains("train.batch_size: must be between 1 and 4096"), err());
        assertTrue(fake.requests.isEmpty());
    }

    // ---------- watching ----------

    private void scriptTrainingRun(String finalState, String error) {
        fake.json("POST /v1/jobs", 201, record("j-1", "QUEUED", ""))
                .sse("GET /v1/jobs/j-1/events",
                        "event: state\ndata: {\"state\":\"QUEUED\"}",
                        ": keep-alive",
                        "event: state\ndata: {\"state\":\"RUNNING\",\"worker_id\":\"w-0\"}",
                        "event: progress\ndata: {\"step\":\"100\",\"total\":\"1000\",\"loss\":0.25,\"images_per_sec\":80,\"eta_seconds\":75,\"phase\":\"training\"}",
                        "event: progress\ndata: {\"step\":\"150\",\"total\":\"1000\",\"loss\":0.2,\"phase\":\"training\"}",
                        "event: progress\ndata: {\"progress\":{\"step\":\"1000\",\"total\":\"1000\",\"phase\":\"training\"}}",
                        "event: artifact\ndata: {\"name\":\"samples/grid.png\",\"size\":2048,\"content_type\":\"image/png\",\"kind\":\"grid\"}",
                        "event: state\ndata: {\"state\":\"" + finalState + "\"}",
                        "event: end\ndata: {\"state\":\"" + finalState + "\"}")
                .json("GET /v1/jobs/j-1", 200, record("j-1", finalState,
                        "\"created_ms\":\"1000\",\"started_ms\":\"2000\",\"finished_ms\":\"65000\"" + (error.isEmpty() ? "" : ",\"error\":\"" + error + "\"")));
    }

    @Test
    void waitFollowsTheJobToItsEnd() {
        scriptTrainingRun("SUCCEEDED", "");
        assertEquals(0, run("train", "--steps", "1000", "--wait"), err());
        String text = out();
        assertTrue(text.contains("state RUNNING on w-0"), text);
        assertTrue(text.contains("[###...........................]  10%  100/1000  training  loss 0.2500  80.0 img/s  eta 1m15s"), text);
        assertFalse(text.contains("150/1000"), "no line per event when stdout is not a terminal, one per tenth: " + text);
        assertTrue(text.contains("100%  1000/1000"), text);
        assertTrue(text.contains("+ samples/grid.png (2.0 KB)"), text);
        assertTrue(text.contains("job j-1 SUCCEEDED in 1m03s"), text);
        assertTrue(text.contains("bin/diffq fetch j-1"), text);
    }

    @Test
    void failedJobExitsNonZeroWithItsReason() {
        scriptTrainingRun("FAILED", "out of memory");
        assertEquals(1, run("train", "--wait"));
        assertTrue(err().contains("diffq: job j-1 FAILED: out of memory"), err());
    }

    @Test
    void terminalRedrawsOneBar() {
        scriptTrainingRun("SUCCEEDED", "");
        assertEquals(0, run(Map.of("DIFFQ_URL", fake.url()), true, "watch", "j-1"), err());
        assertTrue(out().contains("\r\033[2K[" + "#".repeat(4) + ".".repeat(26) + "]  15%  150/1000"), out());
        assertTrue(out().contains("\r\033[2K+ samples/grid.png (2.0 KB)\n[" + "#".repeat(30) + "] 100%"), "a line printed under the bar redraws it: " + out());
    }

    @Test
    void watchAsJsonLines() {
        scriptTrainingRun("SUCCEEDED", "");
        assertEquals(0, run("watch", "j-1", "--json"));
        List<String> lines = out().lines().toList();
        for (String line : lines) {
            assertTrue(Json.object(line).isPresent(), "not a JSON object: " + line);
        }
        assertEquals("{\"event\":\"state\",\"data\":{\"state\":\"QUEUED\"}}", lines.get(0));
        assertEquals("SUCCEEDED", Json.string(Json.object(lines.get(lines.size() - 1)).orElseThrow(), "state"));
    }

    @Test
    void droppedStreamIsReopened() {
        fake.sse("GET /v1/jobs/j-1/events", "event: state\ndata: {\"state\":\"RUNNING\"}")
                .sse("GET /v1/jobs/j-1/events", "event: state\ndata: {\"state\":\"SUCCEEDED\"}", "event: end\ndata: {}")
                .json("GET /v1/jobs/j-1", 200, record("j-1", "RUNNING", ""))
                .json("GET /v1/jobs/j-1", 200, record("j-1", "SUCCEEDED", ""));
        assertEquals(0, run("watch", "j-1"), err());
        assertEquals(2, fake.requests("GET", "/v1/jobs/j-1/events").size());
        assertTrue(out().contains("state SUCCEEDED"), out());
    }

    @Test
    void watchOfUnknownJob() {
        fake.json("GET /v1/jobs/nope/events", 404, "{\"error\":\"not_found\",\"message\":\"no job nope\"}");
        assertEquals(1, run("watch", "nope"));
        assertEquals("diffq: cannot follow job 'nope': not found at " + fake.url() + " (HTTP 404 not_found): no job nope\n", err());
    }

    // ---------- jobs, show, cancel ----------

    @Test
    void jobsFollowsCursorsWithAll() {
        fake.json("GET /v1/jobs", 200, "{\"jobs\":[" + record("j-2", "RUNNING",
                        "\"spec\":{\"sample\":{\"checkpoint_job\":\"j-1\",\"anagram\":{}}},\"progress\":{\"step\":\"5\",\"total\":\"50\"},\"created_ms\":\"0\"")
                        + "],\"next_cursor\":\"c2\"}")
                .json("GET /v1/jobs", 200, "{\"jobs\":[" + record("j-1", "SUCCEEDED", "\"spec\":{\"name\":\"digits\",\"train\":{}},\"created_ms\":\"86400000\"") + "]}");
        assertEquals(0, run("jobs", "--all", "--state", "running", "--limit", "1"), err());
        List<FakeCoordinator.Request> calls = fake.requests("GET", "/v1/jobs");
        assertEquals(2, calls.size());
        assertEquals("state=RUNNING&limit=1", calls.get(0).query());
        assertEquals("state=RUNNING&limit=1&cursor=c2", calls.get(1).query());
        List<String> lines = out().lines().toList();
        assertEquals("ID   STATE      KIND     PROGRESS  CREATED              NAME", lines.get(0));
        assertEquals("j-2  RUNNING    anagram  10% 5/50", lines.get(1));
        assertEquals("j-1  SUCCEEDED  train    done      1970-01-02 00:00:00  digits", lines.get(2));
    }

    @Test
    void jobsAsJsonKeepsTheCursor() {
        fake.json("GET /v1/jobs", 200, "{\"jobs\":[" + record("j-2", "QUEUED", "") + "],\"next_cursor\":\"c2\",\"later_field\":1}");
        assertEquals(0, run("jobs", "--json"));
        var page = Json.object(out().trim()).orElseThrow();
        assertEquals("c2", Json.string(page, "next_cursor"));
        assertEquals("j-2", Json.string(Json.list(page, "jobs").get(0).getStructValue(), "id"));
    }

    @Test
    void showReadsRecordsWithFieldsThisClientDoesNotKnow() {
        fake.json("GET /v1/jobs/j-1", 200, record("j-1", "RUNNING", "\"attempts\":2,\"worker_id\":\"w-1\",\"added_later\":{\"x\":1},"
                + "\"spec\":{\"max_attempts\":3,\"seed\":\"42\",\"train\":{\"dataset\":\"mnist\",\"steps\":2000}},"
                + "\"progress\":{\"step\":\"500\",\"total\":\"2000\"},"
                + "\"artifacts\":[{\"name\":\"checkpoints/step-500/\",\"size\":\"6500000\",\"content_type\":\"application/x-directory\",\"kind\":\"checkpoint\"}]"));
        assertEquals(0, run("show", "j-1"), err());
        String text = out();
        assertTrue(text.contains("state     RUNNING  (attempt 2 of 3)  worker w-1"), text);
        assertTrue(text.contains("progress  [#######.......................]  25%  500/2000"), text);
        assertTrue(text.contains("seed      42"), text);
        assertTrue(text.contains("checkpoints/step-500/"), text);
        assertTrue(text.contains("6.2 MB"), text);
    }

    @Test
    void showOfUnknownJob() {
        fake.json("GET /v1/jobs/nope", 404, "{\"error\":\"not_found\",\"message\":\"unknown job nope\"}");
        assertEquals(1, run("show", "nope"));
        assertTrue(err().contains("cannot read job 'nope': not found at " + fake.url()), err());
    }

    @Test
    void cancelQueuedAndFinishedJobs() {
        fake.json("POST /v1/jobs/j-1/cancel", 202, record("j-1", "CANCELLED", ""))
                .json("POST /v1/jobs/j-2/cancel", 202, record("j-2", "RUNNING", ""))
                .json("POST /v1/jobs/j-3/cancel", 409, "{\"error\":\"conflict\",\"message\":\"job j-3 already SUCCEEDED\"}");
        assertEquals(0, run("cancel", "j-1"));
        assertEquals(0, run("cancel", "j-2"));
        assertEquals(1, run("cancel", "j-3"));
        assertTrue(out().contains("job j-1 CANCELLED"), out());
        assertTrue(out().contains("cancel requested for job j-2 (RUNNING)"), out());
        assertTrue(err().contains("cannot cancel job 'j-3': conflict (HTTP 409 conflict): job j-3 already SUCCEEDED"), err());
    }

    @Test
    void unauthorizedSaysHowToGiveAToken() {
        fake.json("GET /v1/jobs", 401, "{\"error\":\"unauthorized\",\"message\":\"missing bearer token\"}");
        assertEquals(1, run("jobs"));
        assertTrue(err().contains("no token given: set --token or DIFFQ_TOKEN"), err());
    }

    // ---------- fetch, upload ----------

    @Test
    void fetchDownloadsEveryArtifactThroughItsUrl(@TempDir Path dir) throws Exception {
        byte[] grid = "PNG-grid".getBytes(StandardCharsets.UTF_8);
        byte[] one = "PNG-one".getBytes(StandardCharsets.UTF_8);
        fake.json("GET /v1/jobs/j-1/artifacts", 200, "{\"artifacts\":["
                        + "{\"name\":\"samples/grid.png\",\"size\":8,\"content_type\":\"image/png\",\"kind\":\"grid\",\"url\":\"" + fake.url() + "/s3/grid?X-Amz-Signature=abc\"},"
                        + "{\"name\":\"samples/sample_c3_0.png\",\"size\":7,\"kind\":\"image\",\"url\":\"" + fake.url() + "/s3/one\"},"
                        + "{\"name\":\"metrics.jsonl\",\"size\":2,\"kind\":\"metrics\",\"url\":\"" + fake.url() + "/s3/metrics\"}]}")
                .bytes("GET /s3/grid", grid).bytes("GET /s3/one", one).bytes("GET /s3/metrics", new byte[] {'{', '}'});
        assertEquals(0, run(Map.of("DIFFQ_URL", fake.url(), "DIFFQ_TOKEN", "t"), false, "fetch", "j-1", dir.toString(), "--kind", "grid,image"), err());
        assertArrayEquals(grid, Files.readAllBytes(dir.resolve("samples/grid.png")));
        assertArrayEquals(one, Files.readAllBytes(dir.resolve("samples/sample_c3_0.png")));
        assertFalse(Files.exists(dir.resolve("metrics.jsonl")), "filtered out by --kind");
        assertNull(fake.requests("GET", "/s3/grid").get(0).header("Authorization"), "presigned URLs carry their own signature");
        assertEquals("X-Amz-Signature=abc", fake.requests("GET", "/s3/grid").get(0).query());
        assertTrue(out().contains("fetched 2 files (15 B) into " + dir.toAbsolutePath().normalize()), out());
    }

    /** The artifact list of a training job as the coordinator gives it: each checkpoint file by file. */
    private void scriptCheckpoints(long... steps) {
        StringBuilder list = new StringBuilder("{\"artifacts\":[");
        for (long step : steps) {
            for (String file : List.of("manifest.json", "model.ndlist")) {
                String name = "checkpoints/step-" + step + "/" + file;
                list.append("{\"name\":\"").append(name).append("\",\"size\":4,\"kind\":\"checkpoint\",\"url\":\"")
                        .append(fake.url()).append("/s3/").append(name).append("\"},");
                fake.bytes("GET /s3/" + name, (step + file).getBytes(StandardCharsets.UTF_8));
            }
        }
        list.append("{\"name\":\"samples/grid.png\",\"size\":1,\"kind\":\"grid\",\"url\":\"").append(fake.url()).append("/s3/grid\"}]}");
        fake.json("GET /v1/jobs/j-1/artifacts", 200, list.toString());
    }

    @Test
    void fetchCheckpointDownloadsOneStepStraightIntoTheFolder(@TempDir Path dir) throws Exception {
        scriptCheckpoints(50, 100, 75);
        assertEquals(0, run("fetch", "j-1", "--checkpoint", "latest", dir.resolve("latest").toString()), err());
        assertEquals("100model.ndlist", Files.readString(dir.resolve("latest/model.ndlist")));
        assertEquals("100manifest.json", Files.readString(dir.resolve("latest/manifest.json")));
        try (var files = Files.list(dir.resolve("latest"))) {
            assertEquals(2, files.count(), "only that step's files");
        }
        assertTrue(out().contains("fetched checkpoint step 100 of job j-1: 2 files (31 B) into " + dir.resolve("latest")), out());
        assertTrue(out().contains("bin/diffq engine sample --checkpoint " + dir.resolve("latest") + " --out OUT"), out());

        assertEquals(0, run("fetch", "j-1", "--checkpoint", "50", dir.resolve("early").toString()), err());
        assertEquals("50model.ndlist", Files.readString(dir.resolve("early/model.ndlist")));
        assertTrue(fake.requests("GET", "/s3/grid").isEmpty(), "nothing but the checkpoint");
    }

    @Test
    void fetchCheckpointNamesTheStepsThereAre(@TempDir Path dir) throws Exception {
        scriptCheckpoints(50, 100);
        assertEquals(1, run("fetch", "j-1", "--checkpoint", "60", dir.toString()));
        assertTrue(err().contains("--checkpoint 60: job j-1 has no checkpoint at step 60; its checkpoints are at steps 50, 100"), err());
        fake.json("GET /v1/jobs/j-2/artifacts", 200, "{\"artifacts\":[{\"name\":\"samples/grid.png\",\"kind\":\"grid\",\"url\":\"/s3/grid\"}]}");
        assertEquals(1, run("fetch", "j-2", "--checkpoint", "latest", dir.toString()));
        assertTrue(err().contains("--checkpoint: job j-2 has no checkpoint"), err());
        assertEquals(CliException.USAGE, run("fetch", "j-1", "--checkpoint", "newest"));
        assertTrue(err().contains("--checkpoint: latest or a step number (0 or more), got 'newest'"), err());
        assertEquals(CliException.USAGE, run("fetch", "j-1", "--checkpoint", "latest", "--kind", "image"));
        assertTrue(err().contains("--checkpoint fetches the files of one checkpoint: leave --kind out"), err());
        try (var files = Files.list(dir)) {
            assertEquals(0, files.count(), "nothing downloaded");
        }
    }

    @Test
    void fetchRefusesNamesThatLeaveTheDirectory(@TempDir Path dir) {
        fake.json("GET /v1/jobs/j-1/artifacts", 200, "{\"artifacts\":[{\"name\":\"../../evil.sh\",\"kind\":\"image\",\"url\":\"" + fake.url() + "/s3/x\"}]}");
        assertEquals(1, run("fetch", "j-1", dir.resolve("out").toString()));
        assertTrue(err().contains("refusing artifact name '../../evil.sh'"), err());
        assertTrue(fake.requests("GET", "/s3/x").isEmpty());
    }

    @Test
    void failedDownloadIsAnError(@TempDir Path dir) {
        fake.json("GET /v1/jobs/j-1/artifacts", 200, "{\"artifacts\":[{\"name\":\"a.png\",\"kind\":\"image\",\"url\":\"" + fake.url() + "/s3/gone\"}]}")
                .json("GET /s3/gone", 403, "<Error>SignatureDoesNotMatch</Error>");
        assertEquals(1, run("fetch", "j-1", dir.toString()));
        assertTrue(err().contains("download of a.png failed: HTTP 403"), err());
        assertFalse(Files.exists(dir.resolve("a.png")));
        assertFalse(Files.exists(dir.resolve("a.png.part")));
    }

    @Test
    void waitWithOutFetchesOnSuccess(@TempDir Path dir) {
        scriptTrainingRun("SUCCEEDED", "");
        fake.json("GET /v1/jobs/j-1/artifacts", 200, "{\"artifacts\":[{\"name\":\"samples/grid.png\",\"kind\":\"grid\",\"url\":\"/s3/grid\"}]}")
                .bytes("GET /s3/grid", new byte[] {9});
        assertEquals(0, run("train", "--out", dir.toString()), err());
        assertTrue(Files.exists(dir.resolve("samples/grid.png")), "relative URLs resolve against the coordinator");
    }

    @Test
    void uploadImageAndDataset(@TempDir Path dir) throws Exception {
        Path png = Files.write(dir.resolve("digit.png"), new byte[] {1});
        Path zip = Files.write(dir.resolve("Flowers.zip"), new byte[] {2});
        fake.json("POST /v1/uploads", 201, "{\"id\":\"u-1\",\"width\":28,\"height\":28,\"channels\":1,\"size\":812}")
                .json("POST /v1/datasets/flowers", 201, "{\"name\":\"flowers\",\"images\":800,\"classes\":[\"daisy\",\"rose\"]}");
        assertEquals(0, run("upload", png.toString()), err());
        assertTrue(out().contains("u-1  (28x28, 1 channel, 812 B)"), out());
        assertEquals(0, run("upload", zip.toString()), err());
        assertEquals("application/zip", fake.requests("POST", "/v1/datasets/flowers").get(0).header("Content-Type"));
        assertTrue(out().contains("uploaded dataset flowers: 800 images in 2 classes (daisy, rose)"), out());
        assertTrue(out().contains("bin/diffq train --dataset upload:flowers"), out());
    }

    @Test
    void uploadErrors(@TempDir Path dir) throws Exception {
        assertEquals(CliException.USAGE, run("upload", dir.resolve("none.png").toString()));
        assertTrue(err().contains("no such file"), err());
        Path txt = Files.write(dir.resolve("notes.txt"), new byte[] {1});
        assertEquals(CliException.USAGE, run("upload", txt.toString()));
        assertTrue(err().contains("not a PNG or JPEG image"), err());
        Path zip = Files.write(dir.resolve("x.zip"), new byte[] {1});
        assertEquals(CliException.USAGE, run("upload", zip.toString(), "--name", "Bad Name"));
        assertTrue(err().contains("dataset name 'Bad Name'"), err());
        assertTrue(fake.requests.isEmpty());
    }

    // ---------- help ----------

    @Test
    void helpListsEveryCommandAndOption() {
        assertEquals(0, run("help"));
        for (Commands.Command c : Commands.all()) {
            assertTrue(out().contains("\n  " + c.usage().replace(" [options]", "")), c.name());
        }
        out.reset();
        assertEquals(0, run("train", "--help"));
        assertTrue(out().startsWith("usage: bin/diffq train [options]"), out());
        assertTrue(out().contains("--minutes M"), out());
        assertTrue(out().contains("--url URL"), out());
    }

    @Test
    void unknownCommand() {
        assertEquals(CliException.USAGE, run("trian"));
        assertEquals("diffq: unknown command 'trian' (see bin/diffq help)\n", err());
    }

    @Test
    void scriptUsageMatchesTheJavaOverview() throws Exception {
        // bin/diffq prints its overview without starting Java; the two must not drift apart
        Path script = Path.of("..", "bin", "diffq");
        String text = Files.readString(script);
        int start = text.indexOf("cat <<'USAGE'\n") + "cat <<'USAGE'\n".length();
        int end = text.indexOf("\nUSAGE\n", start);
        assertEquals(Commands.overview(), text.substring(start, end) + "\n");
        assertTrue(Files.isExecutable(script), "bin/diffq must be executable");
    }
}
