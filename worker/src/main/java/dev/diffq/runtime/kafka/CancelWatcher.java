package dev.diffq.runtime.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.Topics;
import dev.diffq.proto.Cancel;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;
import dev.diffq.runtime.job.CancelSignals;

/**
 * Knows which jobs are cancelled. Every worker reads all of diffq.control (Cancel messages) and diffq.jobs
 * (job records in state CANCELLED) from the beginning with assign(), without a consumer group, so each
 * worker sees every cancellation, and keeps the cancelled ids in memory.
 */
public final class CancelWatcher implements CancelSignals, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CancelWatcher.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Admin admin;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    /** Next offset to read per partition, published after each poll for awaitCaughtUp. */
    private final Map<TopicPartition, Long> positions = new ConcurrentHashMap<>();
    private final List<TopicPartition> partitions;
    private final Thread thread;
    private volatile boolean running = true;

    public CancelWatcher(String bootstrap, String workerId, Map<String, String> overrides) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "diffq-worker-" + workerId + "-cancels");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.putAll(overrides);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
        Properties a = new Properties();
        a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, "diffq-worker-" + workerId + "-cancels-admin");
        this.admin = Admin.create(a);
        try {
            this.partitions = new ArrayList<>();
            partitions.addAll(partitionsOf(Topics.CONTROL));
            partitions.addAll(partitionsOf(Topics.JOBS));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
        } catch (RuntimeException e) {
            consumer.close();
            admin.close();
            throw e;
        }
        this.thread = new Thread(this::loop, "diffq-cancel-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean isCancelled(String jobId) {
        return cancelled.contains(jobId);
    }

    @Override
    public boolean awaitCaughtUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<TopicPartition, Long> ends;
        try {
            Map<TopicPartition, OffsetSpec> request = new java.util.HashMap<>();
            partitions.forEach(tp -> request.put(tp, OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info =
                    admin.listOffsets(request).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            ends = new java.util.HashMap<>();
            info.forEach((tp, i) -> ends.put(tp, i.offset()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            log.warn("could not read the end offsets of the cancel topics: {}", e.toString());
            return false;
        }
        synchronized (positions) {
            while (true) {
                boolean caughtUp = ends.entrySet().stream()
                        .allMatch(e -> positions.getOrDefault(e.getKey(), -1L) >= e.getValue());
                long left = deadline - System.nanoTime();
                if (caughtUp || left <= 0) {
                    return caughtUp;
                }
                try {
                    // woken by the watcher thread after each poll, so a job starts as soon as it is caught up
                    TimeUnit.NANOSECONDS.timedWait(positions, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    /** How many cancelled jobs are known (for logs and tests). */
    public int knownCancelled() {
        return cancelled.size();
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    accept(r);
                }
                for (TopicPartition tp : partitions) {
                    positions.put(tp, consumer.position(tp));
                }
                synchronized (positions) {
                    positions.notifyAll();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                log.error("cancel watcher woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            log.error("cancel watcher stopped: cancellations are no longer seen by this worker", e);
        } finally {
            consumer.close();
        }
    }

    private void accept(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return; // a tombstone in the compacted job table
        }
        try {
            if (r.topic().equals(Topics.CONTROL)) {
                Cancel c = Cancel.parseFrom(r.value());
                String id = c.getJobId().isEmpty() ? r.key() : c.getJobId();
                if (id != null && cancelled.add(id)) {
                    log.info("job {} cancelled: {}", id, c.getReason());
                }
            } else {
                JobRecord job = JobRecord.parseFrom(r.value());
                if (job.getState() == JobState.CANCELLED) {
                    cancelled.add(job.getId().isEmpty() ? r.key() : job.getId());
                }
            }
        } catch (InvalidProtocolBufferException e) {
            log.warn("unreadable record on {} at {}: {}", r.topic(), r.offset(), e.getMessage());
        }
    }

    private List<TopicPartition> partitionsOf(String topic) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            List<PartitionInfo> infos;
            try {
                infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                infos = List.of(); // broker not reachable yet: try again until the deadline
            }
            if (infos != null && !infos.isEmpty()) {
                return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("topic " + topic + " does not exist: create the diffq topics "
                        + "(Topics.defaults) before starting a worker");
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for topic " + topic, e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        admin.close(Duration.ofSeconds(5));
    }
}
