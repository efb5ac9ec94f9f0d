package dev.diffq.deploy.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.diffq.contract.Topics;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;

/**
 * Watches the stack from the side, straight on Kafka: {@code diffq.events} (what workers report, e.g. Started),
 * {@code diffq.jobs} (the coordinator's job table, e.g. SUCCEEDED) and the sampling request topics (when the
 * coordinator wrote a job's request), all read from their end at construction
 * without a consumer group. Each job's first Started and its final state complete a future stamped with
 * {@link System#nanoTime()} at the moment the record reached this consumer, so a latency measured against it
 * includes the worker's pick-up, its event write and one fetch by this consumer (the same path the coordinator's
 * own event consumer takes).
 */
final class EventWatch implements AutoCloseable {

    /**
     * A job's first Started event: when this consumer saw it (nanoTime and wall clock), which worker, and the
     * record's timestamp (set by the worker's producer when it sent the event).
     */
    record Started(long seenNanos, long seenWallMs, String workerId, long eventTimeMs) {}

    /** A job's first final state in the job table. */
    record Finished(long seenNanos, JobState state, String error) {}

    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, CompletableFuture<Started>> started = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Finished>> finished = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Long>> requested = new ConcurrentHashMap<>();
    private final Thread thread;
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile Exception failure;
    private volatile boolean closing;

    EventWatch(String bootstrap) throws InterruptedException {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "diffq-queue-bench-watch");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"); // diffq.jobs is written transactionally
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "100");
        consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::loop, "diffq-queue-bench-watch");
        thread.setDaemon(true);
        thread.start();
        if (!ready.await(30, TimeUnit.SECONDS) || failure != null) {
            close();
            throw new IllegalStateException("could not follow " + Topics.EVENTS + " and " + Topics.JOBS
                    + (failure == null ? " within 30 s" : ": " + failure), failure);
        }
    }

    /** Completes when the job's first Started event is seen (possibly already). */
    CompletableFuture<Started> started(String jobId) {
        return started.computeIfAbsent(jobId, k -> new CompletableFuture<>());
    }

    /**
     * Completes with the timestamp of the job's first sampling request record (set by the coordinator's producer
     * inside the submission's transaction), once that transaction is committed and the record read here.
     */
    CompletableFuture<Long> requested(String jobId) {
        return requested.computeIfAbsent(jobId, k -> new CompletableFuture<>());
    }

    /** Completes when the job table first shows the job SUCCEEDED, FAILED or CANCELLED. */
    CompletableFuture<Finished> finished(String jobId) {
        return finished.computeIfAbsent(jobId, k -> new CompletableFuture<>());
    }

    private void loop() {
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.EVENTS, Topics.JOBS, Topics.SAMPLE, Topics.SAMPLE_HIGH)) {
                for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(20))) {
                    partitions.add(new TopicPartition(topic, info.partition()));
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            for (TopicPartition tp : partitions) {
                consumer.position(tp, Duration.ofSeconds(20)); // resolve the end now: later records are all seen
            }
        } catch (RuntimeException e) {
            failure = e;
            consumer.close(Duration.ZERO);
            ready.countDown();
            return;
        }
        ready.countDown();
        try {
            while (!closing) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    long now = System.nanoTime();
                    long wall = System.currentTimeMillis();
                    if (r.value() == null) {
                        continue;
                    }
                    if (r.topic().equals(Topics.EVENTS)) {
                        JobEvent e = JobEvent.parseFrom(r.value());
                        if (e.hasStarted()) {
                            started(e.getJobId()).complete(new Started(now, wall, e.getWorkerId(), r.timestamp()));
                        }
                    } else if (r.topic().equals(Topics.SAMPLE) || r.topic().equals(Topics.SAMPLE_HIGH)) {
                        String key = r.key() == null ? "" : r.key();
                        int slash = key.indexOf('/'); // sample requests are keyed <job id>/<shard>
                        requested(slash < 0 ? key : key.substring(0, slash)).complete(r.timestamp());
                    } else {
                        JobRecord job = JobRecord.parseFrom(r.value());
                        JobState s = job.getState();
                        if (s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED) {
                            finished(job.getId()).complete(new Finished(now, s, job.getError()));
                        }
                    }
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (Exception e) {
            failure = e;
            IllegalStateException dead = new IllegalStateException("the event watch stopped: " + e, e);
            started.values().forEach(f -> f.completeExceptionally(dead));
            finished.values().forEach(f -> f.completeExceptionally(dead));
        } finally {
            consumer.close(Duration.ofSeconds(2));
        }
    }

    @Override
    public void close() {
        if (closing) {
            return; // closed already (the bench closes it before its submission phase)
        }
        closing = true;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
