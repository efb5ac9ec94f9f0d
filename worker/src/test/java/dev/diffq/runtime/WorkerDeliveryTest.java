package dev.diffq.runtime;

import static dev.diffq.runtime.RuntimeHarness.has;
import static dev.diffq.runtime.RuntimeHarness.hasFinal;
import static dev.diffq.runtime.RuntimeHarness.kinds;
import static dev.diffq.runtime.RuntimeHarness.request;
import static dev.diffq.runtime.RuntimeHarness.trainSpec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.diffq.contract.JobJson;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.Topics;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobEvent.KindCase;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.Priority;
import dev.diffq.runtime.job.AttemptLedger;
import dev.diffq.runtime.job.ExecutionResult;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.storage.CheckpointStore;
import dev.diffq.runtime.storage.LocalCheckpoint;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * Delivery semantics of the worker runtime against a real in-process broker and S3 server, with a scripted
 * executor standing in for the engine. One broker for the class: every test uses its own job ids and
 * worker ids and waits until its requests are committed, so the next test starts from a clean queue.
 */
class WorkerDeliveryTest {
    private static RuntimeHarness h;
    private static final Duration WAIT = Duration.ofSeconds(30);

    @BeforeAll
    static void startInfrastructure() throws Exception {
        h = new RuntimeHarness();
    }

    @AfterAll
    static void stopInfrastructure() throws Exception {
        h.close();
    }

    @AfterEach
    void stopWorkers() {
        h.closeWorkers();
    }

    @Test
    void jobRunsOnceWritesResultEmitsOrderedEventsAndCommits() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(12, 120, false));
        h.start(h.config("w-basic"), Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-basic", trainSpec(12, 0, Priority.PRIORITY_NORMAL)));

        List<JobEvent> all = h.awaitEvents("job-basic", has(KindCase.SUCCEEDED), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        // spec.json, the normalized spec, written beside the outputs once the job has started (in the background,
        // so its Artifact event falls anywhere between Started and Succeeded)
        List<JobEvent> specEvents = all.stream().filter(e -> e.getKindCase() == KindCase.ARTIFACT
                && e.getArtifact().getName().equals("spec.json")).toList();
        assertEquals(1, specEvents.size(), "spec.json artifact events");
        assertTrue(all.indexOf(specEvents.get(0)) > 0, "spec.json is announced after Started");
        byte[] specJson = h.store.get(ObjectKeys.spec("job-basic")).orElseThrow();
        assertEquals(specJson.length, specEvents.get(0).getArtifact().getSize());
        assertEquals(SpecDefaults.normalize(trainSpec(12, 0, Priority.PRIORITY_NORMAL)),
                JobJson.parseSpec(new String(specJson, java.nio.charset.StandardCharsets.UTF_8)));
        List<JobEvent> events = all.stream().filter(e -> !specEvents.contains(e)).toList();

        // started, progress..., artifact, the result.json artifact, succeeded: in that order, nothing else
        List<KindCase> k = kinds(events);
        assertEquals(KindCase.STARTED, k.get(0), "events: " + k);
        assertEquals(KindCase.SUCCEEDED, k.get(k.size() - 1), "events: " + k);
        assertEquals(KindCase.ARTIFACT, k.get(k.size() - 2), "events: " + k);
        assertEquals(KindCase.ARTIFACT, k.get(k.size() - 3), "events: " + k);
        assertTrue(k.subList(1, k.size() - 3).stream().allMatch(x -> x == KindCase.PROGRESS), "events: " + k);
        assertEquals("samples/out.txt", events.get(k.size() - 3).getArtifact().getName());
        JobEvent resultArtifact = events.get(k.size() - 2);
        assertEquals("result.json", resultArtifact.getArtifact().getName());
        assertEquals("result", resultArtifact.getArtifact().getKind());
        assertEquals(h.store.get(ObjectKeys.result("job-basic")).orElseThrow().length, resultArtifact.getArtifact().getSize());
        assertEquals(ObjectKeys.result("job-basic"), events.get(k.size() - 1).getSucceeded().getResult());

        // progress: throttled to one per 500 ms (12 steps of 120 ms give 3-4), the last step always sent
        List<JobEvent> progress = events.stream().filter(e -> e.getKindCase() == KindCase.PROGRESS).toList();
        assertTrue(progress.size() >= 2 && progress.size() <= 5, "progress events: " + progress.size());
        assertEquals(12, progress.get(progress.size() - 1).getProgress().getStep());
        for (int i = 1; i < progress.size() - 1; i++) {
            long gap = progress.get(i).getTimeMs() - progress.get(i - 1).getTimeMs();
            assertTrue(gap >= 450, "progress events " + gap + " ms apart");
        }
        assertTrue(events.stream().allMatch(e -> e.getWorkerId().equals("w-basic") && e.getAttempt() == 1));

        // result.json written, listing the artifact and the executor's summary
        JsonNode result = ObjectStore.JSON.readTree(h.store.get(ObjectKeys.result("job-basic")).orElseThrow());
        assertEquals("job-basic", result.get("jobId").asText());
        assertEquals("samples/out.txt", result.get("artifacts").get(0).get("name").asText());
        assertEquals(12, result.get("summary").get("steps").asInt());
        assertTrue(h.store.exists(ObjectKeys.jobPrefix("job-basic") + "samples/out.txt"));
        assertEquals(h.endOffset(Topics.TRAIN), h.committed(JobKind.TRAIN, Topics.TRAIN));

        // the same request again (a redelivery): recognised by result.json, not run, Succeeded again, committed
        h.publish(Topics.TRAIN, request("job-basic", trainSpec(12, 0, Priority.PRIORITY_NORMAL)));
        h.awaitEvents("job-basic", es -> es.stream().filter(e -> e.getKindCase() == KindCase.SUCCEEDED).count() == 2,
                WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);
        assertEquals(1, exec.callsOf("job-basic").size());
        assertEquals(1, kinds(h.events("job-basic")).stream().filter(x -> x == KindCase.STARTED).count());
    }

    @Test
    void jobLongerThanMaxPollIntervalKeepsMembershipAndRunsOnce() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(30, 200, false)); // ~6 s
        WorkerConfig config = h.config("w-long").withKafkaProperties(Map.of("max.poll.interval.ms", "3000",
                "session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
        Worker worker = h.start(config, Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-long", trainSpec(30, 0, Priority.PRIORITY_NORMAL)));

        List<JobEvent> events = h.awaitEvents("job-long", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);
        Thread.sleep(1000); // a redelivery, had there been one, would have started by now

        assertEquals(KindCase.SUCCEEDED, events.get(events.size() - 1).getKindCase(), "events: " + kinds(events));
        assertEquals(1, exec.callsOf("job-long").size());
        assertEquals(-1, exec.callsOf("job-long").get(0).resumedFrom());
        assertEquals(1, worker.runsStarted(JobKind.TRAIN));
        assertEquals(1, kinds(h.events("job-long")).stream().filter(x -> x == KindCase.STARTED).count());
    }

    @Test
    void cancelledBeforeStartIsSkipped() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(3, 50, false));
        h.cancel("job-cancel-early");
        h.start(h.config("w-cancel-early"), Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-cancel-early", trainSpec(3, 0, Priority.PRIORITY_NORMAL)));

        List<JobEvent> events = h.awaitEvents("job-cancel-early", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        assertEquals(List.of(KindCase.CANCELLED), kinds(events));
        assertTrue(exec.calls.isEmpty(), "the executor must not run: " + exec.calls);
        assertFalse(h.store.exists(ObjectKeys.result("job-cancel-early")));
    }

    @Test
    void cancelDuringRunStopsWithinAStep() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(100, 100, false)); // ~10 s
        h.start(h.config("w-cancel-late"), Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-cancel-late", trainSpec(100, 0, Priority.PRIORITY_NORMAL)));
        h.awaitEvents("job-cancel-late", has(KindCase.PROGRESS), WAIT);
        h.cancel("job-cancel-late");

        List<JobEvent> events = h.awaitEvents("job-cancel-late", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        assertEquals(KindCase.CANCELLED, events.get(events.size() - 1).getKindCase(), "events: " + kinds(events));
        ScriptedExecutor.Call call = exec.callsOf("job-cancel-late").get(0);
        assertFalse(call.finished());
        assertTrue(call.stepsRun() < 60, "ran " + call.stepsRun() + " of 100 steps");
        assertFalse(h.store.exists(ObjectKeys.result("job-cancel-late")));
        assertFalse(h.store.exists(ObjectKeys.latestCheckpoint("job-cancel-late")), "no checkpoint on cancel");
    }

    @Test
    void workerStoppedMidJobHandsItToTheNextWhichResumes() throws Exception {
        ScriptedExecutor exec1 = new ScriptedExecutor(new ScriptedExecutor.Script(40, 100, false));
        Worker first = h.start(h.config("w-stop-1"), Map.of(JobKind.TRAIN, exec1));
        h.publish(Topics.TRAIN, request("job-handover", trainSpec(40, 5, Priority.PRIORITY_NORMAL)));
        h.awaitEvents("job-handover", es -> es.stream().anyMatch(e -> e.getKindCase() == KindCase.PROGRESS
                && e.getProgress().getStep() >= 7), WAIT);

        first.close(); // what SIGTERM does: stop at a step boundary, checkpoint, leave the group
        ScriptedExecutor.Call stopped = exec1.callsOf("job-handover").get(0);
        assertFalse(stopped.finished());
        long stoppedAt = stopped.stepsRun();
        assertTrue(stoppedAt >= 7 && stoppedAt < 40, "stopped at " + stoppedAt);
        assertEquals(stoppedAt, h.store.getJson(ObjectKeys.latestCheckpoint("job-handover"),
                dev.diffq.runtime.storage.LatestCheckpoint.class).orElseThrow().step());
        assertTrue(h.committed(JobKind.TRAIN, Topics.TRAIN) < h.endOffset(Topics.TRAIN),
                "the handed-back request must not be committed");

        ScriptedExecutor exec2 = new ScriptedExecutor(new ScriptedExecutor.Script(40, 20, false));
        h.start(h.config("w-stop-2"), Map.of(JobKind.TRAIN, exec2));
        List<JobEvent> events = h.awaitEvents("job-handover", has(KindCase.SUCCEEDED), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        ScriptedExecutor.Call resumed = exec2.callsOf("job-handover").get(0);
        assertEquals(stoppedAt, resumed.resumedFrom(), "the second worker resumes from the hand-over checkpoint");
        assertEquals(40 - stoppedAt, resumed.stepsRun());
        assertTrue(resumed.finished());
        // the hand-back is reported as a retryable failure, and it does not use up an attempt
        JobEvent handBack = events.stream().filter(e -> e.getKindCase() == KindCase.FAILED).findFirst().orElseThrow();
        assertTrue(handBack.getFailed().getRetryable());
        assertEquals("w-stop-1", handBack.getWorkerId());
        List<JobEvent> starts = events.stream().filter(e -> e.getKindCase() == KindCase.STARTED).toList();
        assertEquals(List.of("w-stop-1", "w-stop-2"), starts.stream().map(JobEvent::getWorkerId).toList());
        assertEquals(List.of(1, 1), starts.stream().map(JobEvent::getAttempt).toList());
    }

    @Test
    void poisonRequestIsDeadLetteredAfterMaxAttempts() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(1, 1, true));
        h.start(h.config("w-poison"), Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-poison", trainSpec(1, 0, Priority.PRIORITY_NORMAL)));

        List<JobEvent> events = h.awaitEvents("job-poison", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        assertEquals(List.of(1, 2, 3), exec.callsOf("job-poison").stream().map(ScriptedExecutor.Call::attempt).toList());
        List<JobEvent> failed = events.stream().filter(e -> e.getKindCase() == KindCase.FAILED).toList();
        assertEquals(List.of(true, true, false), failed.stream().map(e -> e.getFailed().getRetryable()).toList());
        assertTrue(failed.get(2).getFailed().getReason().contains("boom in job-poison"),
                failed.get(2).getFailed().getReason());
        // each attempt writes spec.json in the background; its Artifact event still comes before that attempt's
        // Failed, so nothing follows the job's final event
        List<JobEvent> all = h.awaitEvents("job-poison", es -> es.stream().filter(e -> e.getKindCase() == KindCase.ARTIFACT
                && e.getArtifact().getName().equals("spec.json")).count() == 3, WAIT);
        for (JobEvent f : failed) {
            int failedAt = all.indexOf(f);
            assertTrue(all.subList(failedAt + 1, all.size()).stream().noneMatch(e -> e.getAttempt() == f.getAttempt()),
                    "attempt " + f.getAttempt() + " sent events after its Failed: " + kinds(all));
        }

        List<ConsumerRecord<String, byte[]>> dlq = h.dlq("job-poison");
        assertEquals(1, dlq.size());
        assertEquals("3", RuntimeHarness.header(dlq.get(0), Topics.HEADER_ATTEMPTS));
        assertTrue(RuntimeHarness.header(dlq.get(0), Topics.HEADER_REASON).contains("boom in job-poison"));
        assertEquals("job-poison", JobRequest.parseFrom(dlq.get(0).value()).getJobId(), "the request, unchanged");
    }

    @Test
    void invalidRequestFailsAtOnceWithoutRetries() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(1, 1, false));
        h.start(h.config("w-invalid"), Map.of(JobKind.TRAIN, exec));
        // a sampling spec on the training topic, a spec breaking a rule, and bytes that are no JobRequest at all
        h.publish(Topics.TRAIN, request("job-wrong-kind", RuntimeHarness.sampleSpec("some-train-job")));
        JobSpec badSchedule = trainSpec(5, 0, Priority.PRIORITY_NORMAL).toBuilder()
                .setTrain(trainSpec(5, 0, Priority.PRIORITY_NORMAL).getTrain().toBuilder().setSchedule("zigzag")).build();
        h.publish(Topics.TRAIN, request("job-bad-schedule", badSchedule));
        h.publishRaw(Topics.TRAIN, "job-garbage", new byte[] {(byte) 0xff, 0x01, 0x02});

        List<JobEvent> events = h.awaitEvents("job-wrong-kind", hasFinal(), WAIT);
        List<JobEvent> badEvents = h.awaitEvents("job-bad-schedule", hasFinal(), WAIT);
        h.awaitEvents("job-garbage", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        assertEquals(List.of(KindCase.FAILED), kinds(badEvents));
        assertTrue(badEvents.get(0).getFailed().getReason().contains("spec.train.schedule"),
                badEvents.get(0).getFailed().getReason());

        assertEquals(List.of(KindCase.FAILED), kinds(events));
        assertFalse(events.get(0).getFailed().getRetryable());
        assertTrue(events.get(0).getFailed().getReason().contains("spec.kind"), events.get(0).getFailed().getReason());
        assertTrue(exec.calls.isEmpty());
        assertEquals("0", RuntimeHarness.header(h.dlq("job-wrong-kind").get(0), Topics.HEADER_ATTEMPTS));
        assertTrue(RuntimeHarness.header(h.dlq("job-garbage").get(0), Topics.HEADER_REASON).contains("unparseable"));
    }

    @Test
    void jobWhoseAttemptsWereUsedUpByLostWorkersIsDeadLetteredWithoutRunning() throws Exception {
        // three earlier attempts started and never reported back (the worker died each time)
        h.store.putJson("jobs/job-crashy/attempts.json", new AttemptLedger.State(3, "", "w-gone", 1L));
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(1, 1, false));
        h.start(h.config("w-crashy"), Map.of(JobKind.TRAIN, exec));
        h.publish(Topics.TRAIN, request("job-crashy", trainSpec(1, 0, Priority.PRIORITY_NORMAL)));

        List<JobEvent> events = h.awaitEvents("job-crashy", hasFinal(), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);

        assertEquals(List.of(KindCase.FAILED), kinds(events));
        assertTrue(events.get(0).getFailed().getReason().contains("lost mid-job"), events.get(0).getFailed().getReason());
        assertTrue(exec.calls.isEmpty());
        assertEquals("3", RuntimeHarness.header(h.dlq("job-crashy").get(0), Topics.HEADER_ATTEMPTS));
    }

    @Test
    void highPriorityWorkIsTakenFirst() throws Exception {
        ScriptedExecutor exec = new ScriptedExecutor(new ScriptedExecutor.Script(3, 100, false));
        h.publish(Topics.TRAIN, request("prio-n1", trainSpec(3, 0, Priority.PRIORITY_NORMAL)));
        h.publish(Topics.TRAIN, request("prio-n2", trainSpec(3, 0, Priority.PRIORITY_NORMAL)));
        h.publish(Topics.TRAIN_HIGH, request("prio-h1", trainSpec(3, 0, Priority.PRIORITY_HIGH)));
        h.start(h.config("w-prio"), Map.of(JobKind.TRAIN, exec));

        h.awaitEvents("prio-n1", has(KindCase.STARTED), WAIT);
        // high work that arrives while a normal job runs goes before the queued normal one
        h.publish(Topics.TRAIN_HIGH, request("prio-h2", trainSpec(3, 0, Priority.PRIORITY_HIGH)));
        h.awaitEvents("prio-n2", has(KindCase.SUCCEEDED), WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN, WAIT);
        h.awaitAllCommitted(JobKind.TRAIN, Topics.TRAIN_HIGH, WAIT);

        assertEquals(List.of("prio-h1", "prio-n1", "prio-h2", "prio-n2"), new ArrayList<>(exec.startOrder));
    }

    @Test
    void sampleShardUsesTheTrainCheckpointAndWritesTheShardResult() throws Exception {
        // a training job's checkpoint, as a train worker would have left it
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("ckpt");
        java.nio.file.Files.writeString(dir.resolve("state.txt"), "25");
        new CheckpointStore(h.store).upload("train-for-sampling", 25, dir);

        List<LocalCheckpoint> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        JobExecutor sampler = ctx -> {
            LocalCheckpoint c = ctx.checkpointOf(ctx.spec().getSample().getCheckpointJob(), OptionalLong.empty());
            seen.add(c);
            java.nio.file.Path png = ctx.workDir().resolve("img.png");
            java.nio.file.Files.writeString(png, java.nio.file.Files.readString(c.dir().resolve("state.txt")));
            ctx.artifact(png, "samples/shard-" + ctx.request().getShardIndex() + ".png", "image");
            return ExecutionResult.completed(Map.of("images", 1));
        };
        h.start(h.config("w-sample", JobKind.SAMPLE), Map.of(JobKind.SAMPLE, sampler));
        for (int shard = 0; shard < 2; shard++) {
            h.publish(Topics.SAMPLE, RuntimeHarness.request("job-sample", RuntimeHarness.sampleSpec("train-for-sampling"))
                    .toBuilder().setShardIndex(shard).setShardCount(2).build());
        }
        h.awaitEvents("job-sample", es -> es.stream().filter(e -> e.getKindCase() == KindCase.SUCCEEDED).count() == 2,
                WAIT);
        h.awaitAllCommitted(JobKind.SAMPLE, Topics.SAMPLE, WAIT);

        assertTrue(h.store.exists(ObjectKeys.shardResult("job-sample", 0)));
        assertTrue(h.store.exists(ObjectKeys.shardResult("job-sample", 1)));
        assertFalse(h.store.exists(ObjectKeys.result("job-sample")), "the job-level result is the coordinator's");
        assertTrue(h.store.exists(ObjectKeys.spec("job-sample")), "the first shard writes the job's spec.json");
        assertEquals("25", new String(h.store.get(ObjectKeys.jobPrefix("job-sample") + "samples/shard-1.png")
                .orElseThrow()));
        assertEquals(2, seen.size());
        assertEquals(25, seen.get(0).step());
        assertEquals(seen.get(0).dir(), seen.get(1).dir(), "the second shard reuses the cached checkpoint");
        assertNotNull(h.events("job-sample").stream().filter(e -> e.getShardIndex() == 1).findFirst().orElse(null));
    }
}
