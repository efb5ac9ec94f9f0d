package dev.diffq.coordinator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;
import org.jboss.logging.Logger;

import dev.diffq.contract.Limits;
import dev.diffq.contract.Topics;
import dev.diffq.coordinator.api.SseHub;
import dev.diffq.coordinator.config.CoordinatorConfig;
import dev.diffq.coordinator.jobs.EventFolding;
import dev.diffq.coordinator.jobs.JobService;
import dev.diffq.coordinator.jobs.JobTable;
import dev.diffq.coordinator.jobs.JobTableFeed;
import dev.diffq.coordinator.jobs.ResultAssembler;
import dev.diffq.coordinator.kafka.KafkaProps;
import dev.diffq.coordinator.kafka.TransactionalSender;
import dev.diffq.coordinator.kafka.UnavailableException;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.coordinator.uploads.DatasetUnpacker;
import dev.diffq.coordinator.uploads.ImageUploads;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

/**
 * Wires the coordinator at start: topics (created when missing), the bucket (created when missing; if S3
 * is down the coordinator still starts and answers 503 until it is back), the job table rebuilt from
 * diffq.jobs (the start waits for it), the event folding loop, and the services the resources use.
 */
@Singleton
public class CoordinatorRuntime {
    private static final Logger LOG = Logger.getLogger(CoordinatorRuntime.class);

    @Inject
    CoordinatorConfig config;

    private ObjectStore store;
    private JobTable table;
    private JobTableFeed feed;
    private TransactionalSender apiSender;
    private TransactionalSender foldSender;
    private EventFolding folding;
    private JobService jobs;
    private SseHub sse;
    private ImageUploads uploads;
    private DatasetUnpacker datasets;
    private Admin admin;

    void onStart(@Observes StartupEvent ev) {
        System.setProperty("java.awt.headless", "true");
        CoordinatorConfig.Kafka k = config.kafka();
        CoordinatorConfig.S3 s3 = config.s3();
        admin = Admin.create(KafkaProps.admin(k.bootstrap(), k.timeoutMs()));
        createTopics(k.requestPartitions());
        store = new ObjectStore(s3.endpoint(), s3.publicEndpoint(), s3.accessKey(), s3.secretKey(), s3.region(),
                s3.bucket(), s3.presignSeconds());
        try {
            store.ensureBucket();
        } catch (UnavailableException e) {
            LOG.warnf("object storage is unreachable at start (%s); jobs are refused with 503 until it is back",
                    e.getMessage());
        }
        table = new JobTable();
        sse = new SseHub(table);
        feed = JobTableFeed.start(k.bootstrap(), table, Duration.ofSeconds(60));
        // Transactional ids are unique per process: replicas must not fence each other.
        String txBase = "diffq-coordinator-" + k.instance() + "-" + UUID.randomUUID().toString().substring(0, 8);
        apiSender = new TransactionalSender(k.bootstrap(), txBase + "-api", k.timeoutMs());
        foldSender = new TransactionalSender(k.bootstrap(), txBase + "-fold", k.timeoutMs());
        uploads = new ImageUploads(store);
        datasets = new DatasetUnpacker(store, config.limits().datasetUnpackedBytes());
        jobs = new JobService(table, apiSender, store, uploads, datasets, limits(), System::currentTimeMillis);
        folding = new EventFolding(k.bootstrap(), table, foldSender, new ResultAssembler(store),
                System::currentTimeMillis);
        folding.start();
    }

    /** The validator's limits: the defaults of the contract, with what this installation configures. */
    public Limits limits() {
        Limits d = Limits.defaults();
        CoordinatorConfig.Limits c = config.limits();
        return new Limits(c.maxImagesPerJob(), d.maxSteps(), d.maxMinutes(), c.uploadBytes(), c.datasetBytes(),
                d.maxBatchSize(), d.maxShardSize(), d.maxNameLength(), d.maxAttempts(), d.maxImageSize(),
                d.maxTimesteps());
    }

    void onStop(@Observes ShutdownEvent ev) {
        for (AutoCloseable c : new AutoCloseable[] {folding, feed, sse, jobs, apiSender, foldSender, store, admin}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.debug("closing", e);
                }
            }
        }
    }

    private void createTopics(int requestPartitions) {
        List<NewTopic> topics = new ArrayList<>();
        Topics.defaults(requestPartitions).forEach((name, partitions) -> {
            NewTopic t = new NewTopic(name, java.util.Optional.of(partitions), java.util.Optional.empty());
            if (Topics.compacted().contains(name)) {
                t.configs(Map.of("cleanup.policy", "compact"));
            }
            topics.add(t);
        });
        for (var e : admin.createTopics(topics).values().entrySet()) {
            try {
                e.getValue().get(30, TimeUnit.SECONDS);
            } catch (ExecutionException ex) {
                if (!(ex.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException("could not create topic " + e.getKey(), ex.getCause());
                }
            } catch (Exception ex) {
                throw new IllegalStateException("could not create topic " + e.getKey(), ex);
            }
        }
    }

    public CoordinatorConfig config() {
        return config;
    }

    public ObjectStore store() {
        return store;
    }

    public JobTable table() {
        return table;
    }

    public JobService jobs() {
        return jobs;
    }

    public SseHub sse() {
        return sse;
    }

    public ImageUploads uploads() {
        return uploads;
    }

    public DatasetUnpacker datasets() {
        return datasets;
    }

    public Admin admin() {
        return admin;
    }
}
