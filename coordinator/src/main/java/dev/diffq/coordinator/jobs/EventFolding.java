package dev.diffq.coordinator.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.LongSupplier;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.Topics;
import dev.diffq.coordinator.kafka.KafkaProps;
import dev.diffq.coordinator.kafka.TransactionalSender;
import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;

/**
 * Consumes diffq.events in the consumer group {@value #GROUP} (so replicas split the partitions and each
 * job's events are folded by one replica), folds each batch into job records and writes the new records
 * to diffq.jobs together with the consumed offsets in one transaction: a crash re-folds nothing twice
 * and loses nothing. The table is updated after the commit; listeners (SSE) follow from there.
 */
public final class EventFolding implements AutoCloseable {
    public static final String GROUP = "diffq-coordinator";
    private static final Logger LOG = Logger.getLogger(EventFolding.class);

    private final JobTable table;
    private final TransactionalSender sender;
    private final ResultAssembler results;
    private final KafkaConsumer<String, byte[]> consumer;
    private final LongSupplier clock;
    private final Thread thread;
    private volatile boolean running = true;
    private static final long UNKNOWN_JOB_PATIENCE_MS = 30_000;
    private final Map<String, Long> unknownSince = new HashMap<>();

    public EventFolding(String bootstrap, JobTable table, TransactionalSender sender, ResultAssembler results,
            LongSupplier clock) {
        this.table = table;
        this.sender = sender;
        this.results = results;
        this.clock = clock;
        Properties props = KafkaProps.consumer(bootstrap, GROUP);
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "200");
        this.consumer = new KafkaConsumer<>(props);
        this.thread = new Thread(this::run, "diffq-event-folding");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.EVENTS));
            while (running) {
                ConsumerRecords<String, byte[]> batch;
                try {
                    batch = consumer.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    LOG.warnf("polling %s failed, retrying: %s", Topics.EVENTS, e.getMessage());
                    Thread.sleep(1_000);
                    continue;
                }
                if (batch.isEmpty()) {
                    continue;
                }
                try {
                    foldAndCommit(batch);
                } catch (JobNotYetKnown e) {
                    rewind(batch);
                    Thread.sleep(200);
                } catch (WakeupException e) {
                    throw e;
                } catch (RuntimeException e) {
                    LOG.warnf("folding %d events failed, retrying: %s", batch.count(), e.getMessage());
                    rewind(batch);
                    Thread.sleep(1_000);
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void foldAndCommit(ConsumerRecords<String, byte[]> batch) {
        Map<String, JobRecord> changed = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            JobEvent event;
            try {
                event = JobEvent.parseFrom(r.value());
            } catch (InvalidProtocolBufferException | NullPointerException e) {
                LOG.warnf("skipping an unreadable event at %s-%d@%d", r.topic(), r.partition(), r.offset());
                continue;
            }
            JobRecord current = changed.containsKey(event.getJobId()) ? changed.get(event.getJobId())
                    : table.get(event.getJobId()).orElse(null);
            if (current == null) {
                // The record may not have reached this replica's table yet (written by another replica
                // a moment ago): wait for it a while before giving the event up.
                String where = r.topic() + "-" + r.partition() + "@" + r.offset();
                long first = unknownSince.computeIfAbsent(where, k -> clock.getAsLong());
                if (clock.getAsLong() - first < UNKNOWN_JOB_PATIENCE_MS) {
                    throw new JobNotYetKnown(event.getJobId());
                }
                unknownSince.remove(where);
                LOG.warnf("event for unknown job %s ignored", event.getJobId());
                continue;
            }
            EventFolder.Folded folded = EventFolder.fold(current, event, clock.getAsLong());
            JobRecord next = folded.record();
            if (folded.allShardsSucceeded()) {
                next = finish(next);
            }
            if (!next.equals(current)) {
                changed.put(next.getId(), next);
            }
        }
        List<ProducerRecord<String, byte[]>> writes = new ArrayList<>();
        changed.values().forEach(rec -> writes.add(new ProducerRecord<>(Topics.JOBS, rec.getId(), rec.toByteArray())));
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            var records = batch.records(tp);
            offsets.put(tp, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        }
        sender.send(writes, offsets, consumer.groupMetadata());
        changed.values().forEach(table::apply);
    }

    /** All shards done: compose the grid and result.json (written last), then SUCCEEDED. */
    private JobRecord finish(JobRecord job) {
        List<Artifact> added = results.finish(job);
        Map<String, Artifact> byName = new LinkedHashMap<>();
        job.getArtifactsList().forEach(a -> byName.put(a.getName(), a));
        added.forEach(a -> byName.put(a.getName(), a));
        long now = EventFolder.nextUpdate(job, clock.getAsLong());
        return job.toBuilder().clearArtifacts().addAllArtifacts(byName.values()).setState(JobState.SUCCEEDED)
                .setFinishedMs(now).setUpdatedMs(now).build();
    }

    private static final class JobNotYetKnown extends RuntimeException {
        JobNotYetKnown(String jobId) {
            super("event for job " + jobId + " not in the table yet", null, false, false);
        }
    }

    /** Reads the batch again next poll; partitions lost to a rebalance meanwhile are another replica's now. */
    private void rewind(ConsumerRecords<String, byte[]> batch) {
        var assigned = consumer.assignment();
        for (TopicPartition tp : batch.partitions()) {
            if (assigned.contains(tp)) {
                consumer.seek(tp, batch.records(tp).get(0).offset());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
