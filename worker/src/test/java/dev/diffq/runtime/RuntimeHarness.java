package dev.diffq.runtime;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.diffq.contract.Topics;
import dev.diffq.deploy.EmbeddedKafka;
import dev.diffq.deploy.EmbeddedS3;
import dev.diffq.proto.Cancel;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.Priority;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.storage.ObjectStore;

/** A broker, an S3 server, and the client side of the topics (what the coordinator would do), for tests. */
final class RuntimeHarness implements AutoCloseable {
    static final String BUCKET = "diffq-test";

    final EmbeddedKafka kafka;
    final EmbeddedS3 s3;
    final ObjectStore store;
    private final KafkaProducer<String, byte[]> producer;
    private final Admin admin;
    private final Path tmp;
    private final List<Worker> workers = new ArrayList<>();
    private final List<ConsumerRecord<String, byte[]>> tapped = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean tapping = true;
    private final Thread tapThread;

    RuntimeHarness() throws Exception {
        kafka = EmbeddedKafka.startTemporary();
        s3 = EmbeddedS3.startTemporary();
        kafka.createTopics(Topics.defaults(1), Topics.compacted());
        store = ObjectStore.connect(s3.endpoint(), s3.accessKey(), s3.secretKey(), BUCKET);
        store.ensureBucket();
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        admin = kafka.admin();
        tmp = Files.createTempDirectory("diffq-runtime-test");
        tapThread = new Thread(this::tap, "test-event-tap");
        tapThread.setDaemon(true);
        tapThread.start();
    }

    /** A worker config for this broker and bucket: fast retries, short session timeout. */
    WorkerConfig config(String workerId, JobKind... kinds) {
        return WorkerConfig.defaults(kafka.bootstrapServers(), s3.endpoint(), s3.accessKey(), s3.secretKey())
                .withBucket(BUCKET)
                .withServe(kinds.length == 0 ? EnumSet.of(JobKind.TRAIN) : EnumSet.of(kinds[0], kinds))
                .withWorker(workerId, tmp.resolve(workerId))
                .withAttempts(3, Duration.ofMillis(100))
                .withKafkaProperties(Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
    }

    Worker start(WorkerConfig config, Map<JobKind, JobExecutor> executors) {
        Worker w = WorkerMain.start(config, executors);
        workers.add(w);
        return w;
    }

    // ------------------------------------------------------------------ requests and control

    static JobSpec trainSpec(int steps, int checkpointEvery, Priority priority) {
        TrainSpec.Builder t = TrainSpec.newBuilder()
                .setModel(ModelConfig.newBuilder().setPreset("mnist-small"))
                .setDataset("mnist").setSteps(steps).setBatchSize(8).setLearningRate(2e-4f);
        if (checkpointEvery > 0) {
            t.setCheckpointEverySteps(checkpointEvery);
        }
        return JobSpec.newBuilder().setName("test").setPriority(priority).setSeed(1).setTrain(t).build();
    }

    static JobSpec sampleSpec(String trainJob) {
        return JobSpec.newBuilder().setName("test-sample").setSeed(2).setSample(SampleSpec.newBuilder()
                .setCheckpointJob(trainJob).setSampler("ddim").setSteps(10).setPerClass(2)).build();
    }

    static JobRequest request(String jobId, JobSpec spec) {
        return JobRequest.newBuilder().setJobId(jobId).setSpec(spec).setShardIndex(0).setShardCount(1)
                .setAttempt(0).setSubmittedAtMs(System.currentTimeMillis()).build();
    }

    void publish(String topic, JobRequest request) throws Exception {
        String key = request.getShardCount() > 1 ? request.getJobId() + "#" + request.getShardIndex()
                : request.getJobId();
        producer.send(new ProducerRecord<>(topic, key, request.toByteArray())).get(10, TimeUnit.SECONDS);
    }

    void publishRaw(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(10, TimeUnit.SECONDS);
    }

    void cancel(String jobId) throws Exception {
        Cancel c = Cancel.newBuilder().setJobId(jobId).setReason("test").setTimeMs(System.currentTimeMillis()).build();
        producer.send(new ProducerRecord<>(Topics.CONTROL, jobId, c.toByteArray())).get(10, TimeUnit.SECONDS);
    }

    // ------------------------------------------------------------------ reading back

    /** All events of one job read so far, in topic order. */
    List<JobEvent> events(String jobId) {
        List<JobEvent> out = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : tapped) {
            if (r.topic().equals(Topics.EVENTS) && jobId.equals(r.key())) {
                try {
                    out.add(JobEvent.parseFrom(r.value()));
                } catch (Exception e) {
                    throw new AssertionError("unreadable event", e);
                }
            }
        }
        return out;
    }

    /** Waits until the job's events satisfy {@code done}; fails with the events seen after {@code timeout}. */
    List<JobEvent> awaitEvents(String jobId, Predicate<List<JobEvent>> done, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JobEvent> events = List.of();
        while (System.nanoTime() < deadline) {
            events = events(jobId);
            if (done.test(events)) {
                return events;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("events of " + jobId + " did not reach the expected state in " + timeout
                + "; got " + kinds(events));
    }

    static Predicate<List<JobEvent>> has(JobEvent.KindCase kind) {
        return es -> es.stream().anyMatch(e -> e.getKindCase() == kind);
    }

    static Predicate<List<JobEvent>> hasFinal() {
        return es -> es.stream().anyMatch(e -> e.getKindCase() == JobEvent.KindCase.SUCCEEDED
                || e.getKindCase() == JobEvent.KindCase.CANCELLED
                || (e.getKindCase() == JobEvent.KindCase.FAILED && !e.getFailed().getRetryable()));
    }

    static List<JobEvent.KindCase> kinds(List<JobEvent> events) {
        return events.stream().map(JobEvent::getKindCase).toList();
    }

    /** The job's dead letters, waiting up to 10 s for the first. */
    List<ConsumerRecord<String, byte[]>> dlq(String jobId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            List<ConsumerRecord<String, byte[]>> out = tapped.stream()
                    .filter(r -> r.topic().equals(Topics.DLQ) && jobId.equals(r.key())).toList();
            if (!out.isEmpty() || System.nanoTime() > deadline) {
                return out;
            }
            Thread.sleep(50);
        }
    }

    /** Reads diffq.events and the DLQ from the beginning, all the time, into {@link #tapped}. */
    private void tap() {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(Topics.EVENTS, Topics.DLQ)) {
                c.partitionsFor(topic).forEach(i -> parts.add(new TopicPartition(topic, i.partition())));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            while (tapping) {
                c.poll(Duration.ofMillis(50)).forEach(tapped::add);
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // closing
        }
    }

    static String header(ConsumerRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** The committed offset of a kind's group on partition 0 of {@code topic} (-1 when none). */
    long committed(JobKind kind, String topic) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(kind.group())
                .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
        OffsetAndMetadata o = offsets.get(new TopicPartition(topic, 0));
        return o == null ? -1 : o.offset();
    }

    long endOffset(String topic) throws Exception {
        try (KafkaConsumer<String, byte[]> c = consumer()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return c.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Waits until the group has committed everything published on {@code topic}. */
    void awaitAllCommitted(JobKind kind, String topic, Duration timeout) throws Exception {
        long end = endOffset(topic);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (committed(kind, topic) < end) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("group " + kind.group() + " committed " + committed(kind, topic)
                        + " on " + topic + ", expected " + end);
            }
            Thread.sleep(100);
        }
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Closes the workers a test started (a failed test must not leave one consuming for the next). */
    void closeWorkers() {
        workers.forEach(Worker::close);
        workers.clear();
    }

    @Override
    public void close() throws Exception {
        closeWorkers();
        tapping = false;
        tapThread.join(5000);
        producer.close();
        admin.close();
        store.close();
        s3.close();
        kafka.close();
    }
}
