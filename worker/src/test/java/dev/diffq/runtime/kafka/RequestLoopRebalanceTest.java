package dev.diffq.runtime.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.Topics;
import dev.diffq.deploy.EmbeddedS3;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.TrainSpec;
import dev.diffq.runtime.JobKind;
import dev.diffq.runtime.job.AttemptLedger;
import dev.diffq.runtime.job.CancelSignals;
import dev.diffq.runtime.job.Delivery;
import dev.diffq.runtime.job.EventSink;
import dev.diffq.runtime.job.ExecutionResult;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.job.JobServices;
import dev.diffq.runtime.job.SpecRequestValidator;
import dev.diffq.runtime.storage.CheckpointCache;
import dev.diffq.runtime.storage.CheckpointStore;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * The running job's partition is revoked in a rebalance (driven through a MockConsumer, inside poll as the
 * real consumer does it): the job stops at a step boundary and checkpoints before the callback returns,
 * nothing is committed, and when the partition comes back the request resumes from that checkpoint.
 */
class RequestLoopRebalanceTest {
    private static EmbeddedS3 s3;
    private static ObjectStore store;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = EmbeddedS3.startTemporary();
        store = ObjectStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), "rebalance-test");
        store.ensureBucket();
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        s3.close();
    }

    @Test
    void revokedJobCheckpointsIsNotCommittedAndResumesWhenThePartitionReturns() throws Exception {
        TopicPartition normal = new TopicPartition(Topics.TRAIN, 0);
        TopicPartition high = new TopicPartition(Topics.TRAIN_HIGH, 0);
        MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
        consumer.updateBeginningOffsets(Map.of(normal, 0L, high, 0L));
        consumer.updateEndOffsets(Map.of(normal, 1L, high, 0L));
        JobRequest request = JobRequest.newBuilder().setJobId("job-revoked").setShardCount(1).setSpec(JobSpec.newBuilder()
                .setTrain(TrainSpec.newBuilder().setModel(ModelConfig.newBuilder().setPreset("mnist-small"))
                        .setDataset("mnist").setSteps(200))).build();
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(Topics.TRAIN, 0, 0L, "job-revoked",
                request.toByteArray());

        List<Long> resumedFrom = new CopyOnWriteArrayList<>();
        CountDownLatch running = new CountDownLatch(1);
        JobExecutor executor = ctx -> {
            long step = ctx.resumeCheckpoint().map(c -> c.step()).orElse(0L);
            resumedFrom.add(step);
            while (step < 200) {
                if (ctx.shouldStop()) {
                    Path dir = Files.createDirectories(ctx.workDir().resolve("ckpt"));
                    Files.writeString(dir.resolve("state.txt"), Long.toString(step));
                    ctx.saveCheckpoint(step, dir);
                    return ExecutionResult.stopped();
                }
                Thread.sleep(resumedFrom.size() == 1 ? 20 : 1);
                step++;
                if (step == 5) {
                    running.countDown();
                }
            }
            return ExecutionResult.completed(Map.of("steps", step));
        };

        List<JobEvent> events = new CopyOnWriteArrayList<>();
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        JobServices services = services(events, timer);
        RequestLoop loop = new RequestLoop(JobKind.TRAIN, executor, services, new RequestLoop.Settings("unused",
                "w-rebalance", Map.of(), Duration.ofSeconds(20), true), consumer);
        consumer.setMaxPollRecords(1);
        // one task per poll; the record is added in a later poll than the assignment, as a fetch would bring it
        consumer.schedulePollTask(() -> consumer.rebalance(List.of(normal, high)));
        consumer.schedulePollTask(() -> consumer.addRecord(record));
        Thread thread = new Thread(loop, "loop-under-test");
        thread.start();
        try {
            assertTrue(running.await(20, TimeUnit.SECONDS), "the job started");
            // another worker joins and takes the running job's partition
            consumer.schedulePollTask(() -> consumer.rebalance(List.of(high)));
            awaitTrue(() -> events.stream().anyMatch(e -> e.getKindCase() == JobEvent.KindCase.FAILED));

            JobEvent handBack = events.stream().filter(e -> e.getKindCase() == JobEvent.KindCase.FAILED)
                    .findFirst().orElseThrow();
            assertTrue(handBack.getFailed().getRetryable());
            assertTrue(handBack.getFailed().getReason().contains("partition revoked"), handBack.getFailed().getReason());
            long checkpointStep = new CheckpointStore(store).latest("job-revoked").orElseThrow().step();
            assertTrue(checkpointStep >= 5 && checkpointStep < 200, "checkpointed at " + checkpointStep);
            assertNull(consumer.committed(Set.of(normal)).get(normal), "nothing committed for a revoked job");
            assertEquals(0, new AttemptLedger(store).read(dev.diffq.runtime.job.WorkUnit.of(request)).attempts(),
                    "a hand-back gives its attempt back");

            // the partition comes back (nobody else finished it): the request is delivered again and resumes
            consumer.schedulePollTask(() -> {
                consumer.rebalance(List.of(normal, high));
                consumer.seek(normal, 0);
            });
            consumer.schedulePollTask(() -> consumer.addRecord(record));
            awaitTrue(() -> events.stream().anyMatch(e -> e.getKindCase() == JobEvent.KindCase.SUCCEEDED));
            awaitTrue(() -> {
                OffsetAndMetadata o = consumer.committed(Set.of(normal)).get(normal);
                return o != null && o.offset() == 1;
            });
            assertEquals(List.of(0L, checkpointStep), resumedFrom);
            assertTrue(store.exists(ObjectKeys.result("job-revoked")));
        } finally {
            loop.stop();
            thread.join(10_000);
            timer.shutdownNow();
        }
        assertFalse(thread.isAlive());
        assertTrue(consumer.closed());
    }

    private JobServices services(List<JobEvent> events, ScheduledExecutorService timer) {
        EventSink sink = new EventSink() {
            @Override
            public void send(JobEvent event) {
                events.add(event);
            }

            @Override
            public void sendAndWait(JobEvent event) {
                events.add(event);
            }

            @Override
            public void deadLetter(Delivery delivery, String reason, int attempts) {
                throw new AssertionError("no dead letter expected: " + reason);
            }
        };
        CancelSignals none = new CancelSignals() {
            @Override
            public boolean isCancelled(String jobId) {
                return false;
            }

            @Override
            public boolean awaitCaughtUp(Duration timeout) {
                return true;
            }
        };
        CheckpointStore checkpoints = new CheckpointStore(store);
        return new JobServices("w-rebalance", "cpu", tmp, store, checkpoints,
                new CheckpointCache(checkpoints, tmp.resolve("cache"), 1), new AttemptLedger(store), sink, none,
                new SpecRequestValidator(), timer, 3, Duration.ofMillis(50), Duration.ofSeconds(1),
                Duration.ofMillis(500));
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met in 20 s");
            }
            Thread.sleep(20);
        }
    }
}
