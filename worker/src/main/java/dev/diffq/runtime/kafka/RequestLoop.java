package dev.diffq.runtime.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.diffq.runtime.JobKind;
import dev.diffq.runtime.Retry;
import dev.diffq.runtime.job.Delivery;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.job.JobRun;
import dev.diffq.runtime.job.JobServices;

/**
 * Consumes the requests of one job kind, one at a time, on its own thread.
 *
 * <p><b>Priority.</b> One consumer subscribes to both the normal and the {@code .high} topic and an idle
 * worker polls them together, so a request on either is picked up as soon as it lands. A normal record
 * is taken only when the high partitions have no backlog (position = end offset); otherwise it is put
 * back (seek) and the high partitions are polled alone. So queued high-priority work always goes first;
 * a running normal job is not interrupted for it.
 *
 * <p><b>Long jobs.</b> The job runs on a separate thread. Meanwhile this thread pauses every assigned
 * partition and keeps calling poll(), which returns nothing but keeps the consumer within
 * max.poll.interval.ms and lets rebalances go through. Partitions assigned during a job are paused in the
 * callback; any record a poll returns from a partition that should be paused is put back with seek().
 *
 * <p><b>Offsets.</b> Committed (record offset + 1) only when the run says the request is finished with:
 * after result.json and the final event (or after a dead letter / cancel). For a retry the consumer seeks
 * back to the record after the backoff, so the next poll delivers it again.
 *
 * <p><b>Letting go.</b> When the partition of the running job is revoked or lost, or the worker shuts
 * down, the run is asked to stop at its next step boundary (the executor checkpoints) and the loop waits
 * for it (up to the release timeout) before the rebalance completes, so the next owner resumes from that
 * checkpoint. Nothing is committed for it.
 *
 * <p><b>Membership.</b> Classic group protocol, static membership ({@code group.instance.id} =
 * worker id + kind), CooperativeStickyAssignor. On close the consumer leaves the group explicitly
 * (when configured) so its partitions move at once instead of after session.timeout.ms.
 */
public final class RequestLoop implements Runnable, ConsumerRebalanceListener {
    private static final Logger log = LoggerFactory.getLogger(RequestLoop.class);
    /** An idle poll over both topics; it returns as soon as a request arrives, so this only paces the loop. */
    private static final Duration IDLE_POLL = Duration.ofMillis(400);
    private static final Duration HIGH_POLL = Duration.ofMillis(100);
    private static final Duration BUSY_POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);

    /** Settings of one loop. */
    public record Settings(String bootstrap, String workerId, Map<String, String> consumerOverrides,
                           Duration releaseTimeout, boolean leaveGroupOnClose) {}

    private final JobKind kind;
    private final JobExecutor executor;
    private final JobServices services;
    private final Settings settings;
    private final Consumer<String, byte[]> consumer;
    private final ExecutorService jobThread;
    private final Retry commitRetry = new Retry(5, Duration.ofMillis(200), Duration.ofSeconds(2));
    private volatile boolean stopping;
    private volatile boolean closed;
    /** The run in progress and its partition; touched only on the loop thread (callbacks run in poll). */
    private JobRun current;
    private Future<JobRun.Outcome> currentFuture;
    private TopicPartition currentPartition;
    private boolean currentPartitionLost;
    private long runsStarted;

    public RequestLoop(JobKind kind, JobExecutor executor, JobServices services, Settings settings) {
        this(kind, executor, services, settings, new KafkaConsumer<>(consumerProperties(kind, settings),
                new StringDeserializer(), new ByteArrayDeserializer()));
    }

    /** With a given consumer (tests drive rebalances through a MockConsumer). */
    RequestLoop(JobKind kind, JobExecutor executor, JobServices services, Settings settings,
                Consumer<String, byte[]> consumer) {
        this.kind = kind;
        this.executor = executor;
        this.services = services;
        this.settings = settings;
        this.consumer = consumer;
        this.jobThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "diffq-job-" + kind.label());
            t.setDaemon(true);
            return t;
        });
    }

    /** The consumer settings: overrides first, then the ones the delivery guarantees rest on. */
    static Properties consumerProperties(JobKind kind, Settings s) {
        Properties p = new Properties();
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The loop alternates short polls between the high and normal topics; the broker's default 500 ms wait on
        // an empty fetch made an idle worker take ~0.9 s to notice a new request (bin/diffq bench queue).
        p.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "20");
        p.putAll(s.consumerOverrides());
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, kind.group());
        p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, s.workerId() + "-" + kind.label());
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "diffq-worker-" + s.workerId() + "-" + kind.label());
        p.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "1");
        // The coordinator writes a request and its job record in one transaction: a request from a submission that
        // was aborted (and answered 503) must never run.
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return p;
    }

    public JobKind kind() {
        return kind;
    }

    /** Asks the loop to let go of its job (if any), leave the group and end; returns at once. */
    public void stop() {
        stopping = true;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public void run() {
        try {
            consumer.subscribe(List.of(kind.highTopic(), kind.topic()), this);
            while (!stopping) {
                ConsumerRecord<String, byte[]> record = next();
                if (record != null) {
                    handle(record);
                }
            }
        } catch (RuntimeException e) {
            log.error("{} request loop failed", kind.label(), e);
        } finally {
            finishCurrentOnExit();
            try {
                CloseOptions.GroupMembershipOperation op = settings.leaveGroupOnClose()
                        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                        : CloseOptions.GroupMembershipOperation.REMAIN_IN_GROUP;
                consumer.close(CloseOptions.groupMembershipOperation(op).withTimeout(Duration.ofSeconds(10)));
            } catch (RuntimeException e) {
                log.warn("closing the {} consumer: {}", kind.label(), e.toString());
            }
            jobThread.shutdownNow();
            closed = true;
        }
    }

    // ---------------------------------------------------------------- choosing the next record

    /** The next record to run, high priority first; null when there is none right now. */
    private ConsumerRecord<String, byte[]> next() {
        // One poll over every partition. (Alternating a high-only and a normal-only poll made a normal request
        // wait out the high poll: p99 submit -> Started 179 ms with an idle worker, bin/diffq bench queue.)
        ConsumerRecord<String, byte[]> r = pollOnly(consumer.assignment(), IDLE_POLL);
        if (r == null || stopping || r.topic().equals(kind.highTopic())) {
            return r;
        }
        Set<TopicPartition> high = partitionsOf(kind.highTopic());
        if (hasBacklog(high)) {
            // high-priority work is queued as well: put the normal record back and take that first
            consumer.seek(new TopicPartition(r.topic(), r.partition()), r.offset());
            return pollOnly(high, HIGH_POLL);
        }
        return r;
    }

    private Set<TopicPartition> partitionsOf(String topic) {
        Set<TopicPartition> out = new HashSet<>();
        for (TopicPartition tp : consumer.assignment()) {
            if (tp.topic().equals(topic)) {
                out.add(tp);
            }
        }
        return out;
    }

    /**
     * Polls with only {@code active} resumed. A record from any other partition (assigned during this very
     * poll, so not yet paused) is put back.
     */
    private ConsumerRecord<String, byte[]> pollOnly(Set<TopicPartition> active, Duration timeout) {
        Set<TopicPartition> assigned = consumer.assignment();
        Set<TopicPartition> toPause = new HashSet<>(assigned);
        toPause.removeAll(active);
        consumer.pause(toPause);
        Set<TopicPartition> toResume = new HashSet<>(active);
        toResume.retainAll(assigned);
        consumer.resume(toResume);
        ConsumerRecords<String, byte[]> records = consumer.poll(timeout);
        ConsumerRecord<String, byte[]> chosen = null;
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (chosen == null && active.contains(tp) && !stopping) {
                chosen = r;
            } else {
                rewind.merge(tp, r.offset(), Math::min);
            }
        }
        rewind.forEach(this::seekIfAssigned);
        return chosen;
    }

    /** True when some of {@code partitions} hold records beyond the consumer's position. */
    private boolean hasBacklog(Set<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return false;
        }
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, METADATA_TIMEOUT);
            for (TopicPartition tp : partitions) {
                Long end = ends.get(tp);
                if (end != null && consumer.position(tp, METADATA_TIMEOUT) < end) {
                    return true;
                }
            }
        } catch (KafkaException | IllegalStateException e) {
            log.debug("backlog check of {} failed: {}", partitions, e.toString());
        }
        return false;
    }

    // ---------------------------------------------------------------- running one record

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        Delivery delivery = new Delivery(record.topic(), record.partition(), record.offset(), record.key(),
                record.value());
        consumer.pause(consumer.assignment());
        current = new JobRun(delivery, kind, executor, services);
        currentPartition = tp;
        currentPartitionLost = false;
        currentFuture = jobThread.submit(current);
        runsStarted++;
        JobRun.Outcome outcome = awaitCurrent();
        boolean lost = currentPartitionLost;
        clearCurrent();
        switch (outcome.action()) {
            case COMMIT -> {
                if (!lost) {
                    commit(tp, record.offset() + 1);
                }
            }
            case RETRY -> {
                log.info("{}: redelivering {} in {} ms ({})", kind.label(), delivery.where(),
                        outcome.retryAfter().toMillis(), outcome.summary());
                idle(outcome.retryAfter());
                if (!lost) {
                    seekIfAssigned(tp, record.offset());
                }
            }
            case RELEASED -> log.info("{}: let go of {} ({})", kind.label(), delivery.where(), outcome.summary());
        }
    }

    /** Polls with everything paused until the run ends; hands it back if the worker is stopping. */
    private JobRun.Outcome awaitCurrent() {
        long releaseDeadline = Long.MAX_VALUE;
        while (true) {
            if (stopping && !current.releaseRequested()) {
                current.release("worker shutting down");
            }
            if (current.releaseRequested() && releaseDeadline == Long.MAX_VALUE) {
                releaseDeadline = System.nanoTime() + settings.releaseTimeout().toNanos();
            }
            try {
                return currentFuture.get(BUSY_POLL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still running
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            } catch (ExecutionException | CancellationException e) {
                // a bug in the runtime, not the job's doing: never skip the record, deliver it again
                log.error("{}: job run ended abnormally", kind.label(), e);
                return new JobRun.Outcome(JobRun.Action.RETRY, services.retryBackoff(), "run ended abnormally: " + e);
            }
            if (System.nanoTime() > releaseDeadline) {
                log.warn("{}: job did not stop within {} after being handed back; interrupting it", kind.label(),
                        settings.releaseTimeout());
                currentFuture.cancel(true);
                return new JobRun.Outcome(JobRun.Action.RELEASED, Duration.ZERO, "interrupted after the release timeout");
            }
            keepAlive();
        }
    }

    /** One poll with every partition paused: heartbeats, rebalances, nothing delivered. */
    private void keepAlive() {
        consumer.pause(consumer.assignment());
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ZERO);
        Map<TopicPartition, Long> rewind = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            rewind.merge(new TopicPartition(r.topic(), r.partition()), r.offset(), Math::min);
        }
        rewind.forEach(this::seekIfAssigned);
    }

    /** Waits {@code d} while polling with everything paused (a retry backoff). */
    private void idle(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (!stopping && System.nanoTime() < end) {
            keepAlive();
            try {
                Thread.sleep(Math.min(BUSY_POLL.toMillis(), Math.max(1, (end - System.nanoTime()) / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stopping = true;
            }
        }
    }

    private void finishCurrentOnExit() {
        if (current != null && currentFuture != null && !currentFuture.isDone()) {
            current.release("worker shutting down");
            try {
                currentFuture.get(settings.releaseTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                currentFuture.cancel(true);
            }
        }
    }

    private void clearCurrent() {
        current = null;
        currentFuture = null;
        currentPartition = null;
        currentPartitionLost = false;
    }

    private void commit(TopicPartition tp, long next) {
        if (!consumer.assignment().contains(tp)) {
            log.info("{}: not committing {}@{}: partition no longer assigned", kind.label(), tp, next);
            return;
        }
        try {
            commitRetry.call("commit " + tp + "@" + next, () -> {
                consumer.commitSync(Map.of(tp, new OffsetAndMetadata(next)));
                return null;
            }, e -> e instanceof RetriableException);
        } catch (Exception e) {
            // Not fatal: the request is redelivered and recognised as done by its result.json.
            log.warn("{}: commit of {}@{} failed: {}", kind.label(), tp, next, e.toString());
        }
    }

    private void seekIfAssigned(TopicPartition tp, long offset) {
        if (consumer.assignment().contains(tp)) {
            consumer.seek(tp, offset);
        }
    }

    // ---------------------------------------------------------------- rebalance callbacks (run inside poll)

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (current != null) {
            consumer.pause(partitions); // busy: take nothing new until the job ends
        }
        log.info("{} worker {} assigned {}", kind.label(), settings.workerId(), partitions);
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        log.info("{} worker {} revoked {}", kind.label(), settings.workerId(), partitions);
        letGoIfRunning(partitions, "partition revoked");
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        log.warn("{} worker {} lost {}", kind.label(), settings.workerId(), partitions);
        letGoIfRunning(partitions, "partition lost");
    }

    /**
     * The running job's partition is going to another worker: stop the job at its next step boundary
     * (it checkpoints) and wait for that before the partition moves, so the next owner resumes from it.
     */
    private void letGoIfRunning(Collection<TopicPartition> partitions, String why) {
        if (current == null || currentPartition == null || !partitions.contains(currentPartition)) {
            return;
        }
        currentPartitionLost = true;
        current.release(why);
        try {
            currentFuture.get(settings.releaseTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("{}: job on {} did not stop within {}", kind.label(), currentPartition, settings.releaseTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | CancellationException e) {
            // reported by awaitCurrent
        }
    }

    /** How many runs this loop has started (for tests and logs). */
    public long runsStarted() {
        return runsStarted;
    }
}
