package dev.diffq.coordinator.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

import com.google.protobuf.InvalidProtocolBufferException;

import dev.diffq.contract.Topics;
import dev.diffq.coordinator.kafka.KafkaProps;
import dev.diffq.proto.JobRecord;

/**
 * Keeps a {@link JobTable} in step with the compacted topic diffq.jobs: reads every partition from the
 * beginning (no consumer group: every replica reads it all), then follows it. {@link #awaitCaughtUp}
 * returns once everything that was in the topic at start has been applied.
 */
public final class JobTableFeed implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JobTableFeed.class);

    private final JobTable table;
    private final KafkaConsumer<String, byte[]> consumer;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean running = true;

    public JobTableFeed(String bootstrap, JobTable table) {
        this.table = table;
        this.consumer = new KafkaConsumer<>(KafkaProps.consumer(bootstrap, null));
        this.thread = new Thread(this::run, "diffq-job-table-feed");
        this.thread.setDaemon(true);
    }

    /** Starts following the topic and blocks until the table holds everything the topic held at start. */
    public static JobTableFeed start(String bootstrap, JobTable table, Duration timeout) {
        JobTableFeed feed = new JobTableFeed(bootstrap, table);
        feed.thread.start();
        if (!feed.awaitCaughtUp(timeout)) {
            feed.close();
            throw new IllegalStateException("could not read " + Topics.JOBS + " within " + timeout);
        }
        return feed;
    }

    public boolean awaitCaughtUp(Duration timeout) {
        try {
            return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.JOBS, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> endAtStart = consumer.endOffsets(partitions);
            while (running) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    applyRecord(r);
                }
                if (caughtUp.getCount() > 0 && endAtStart.entrySet().stream()
                        .allMatch(e -> consumer.position(e.getKey()) >= e.getValue())) {
                    LOG.infof("job table rebuilt from %s: %d jobs", Topics.JOBS, table.size());
                    caughtUp.countDown();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("the job table feed stopped", e);
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
    }

    private void applyRecord(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            table.remove(r.key());
            return;
        }
        try {
            table.apply(JobRecord.parseFrom(r.value()));
        } catch (InvalidProtocolBufferException e) {
            LOG.warnf("skipping an unreadable record at %s-%d@%d", r.topic(), r.partition(), r.offset());
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
