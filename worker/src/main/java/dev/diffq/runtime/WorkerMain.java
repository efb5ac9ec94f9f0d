package dev.diffq.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import dev.diffq.runtime.job.AttemptLedger;
import dev.diffq.runtime.job.SpecRequestValidator;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.job.JobExecutorProvider;
import dev.diffq.runtime.job.JobServices;
import dev.diffq.runtime.job.RequestValidator;
import dev.diffq.runtime.kafka.CancelWatcher;
import dev.diffq.runtime.kafka.EventPublisher;
import dev.diffq.runtime.kafka.RequestLoop;
import dev.diffq.runtime.storage.CheckpointCache;
import dev.diffq.runtime.storage.CheckpointStore;
import dev.diffq.runtime.storage.ObjectStore;

/** Starts a worker from the command line (see {@link WorkerConfig#USAGE}) and stops it on SIGTERM. */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) throws Exception {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(WorkerConfig.USAGE);
            return;
        }
        WorkerConfig config;
        try {
            config = WorkerConfig.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("diffq worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        Worker worker = start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(worker::close, "diffq-worker-shutdown"));
        worker.awaitTermination();
    }

    /** Starts a worker with the executors registered as {@link JobExecutorProvider} services. */
    public static Worker start(WorkerConfig config) throws Exception {
        Map<JobKind, JobExecutor> executors = new EnumMap<>(JobKind.class);
        for (JobExecutorProvider p : ServiceLoader.load(JobExecutorProvider.class)) {
            if (config.serve().contains(p.kind()) && !executors.containsKey(p.kind())) {
                executors.put(p.kind(), p.create(config));
            }
        }
        return start(config, executors);
    }

    /** Starts a worker with the given executors (one for each served kind). */
    public static Worker start(WorkerConfig config, Map<JobKind, JobExecutor> executors) {
        return start(config, executors, new SpecRequestValidator());
    }

    public static Worker start(WorkerConfig config, Map<JobKind, JobExecutor> executors, RequestValidator validator) {
        for (JobKind kind : config.serve()) {
            if (!executors.containsKey(kind)) {
                throw new IllegalStateException("--serve " + kind.label() + ": no executor for " + kind.label()
                        + " jobs is available (register a JobExecutorProvider)");
            }
        }
        try {
            Files.createDirectories(config.workDir());
        } catch (IOException e) {
            throw new UncheckedIOException("--work-dir: cannot create " + config.workDir(), e);
        }
        ObjectStore store = ObjectStore.connect(config.s3Endpoint(), config.s3AccessKey(), config.s3SecretKey(),
                config.bucket(), config.partSizeBytes());
        try {
            store.ensureBucket();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reach bucket " + config.bucket() + " at " + config.s3Endpoint(), e);
        }
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "diffq-worker-timer");
            t.setDaemon(true);
            return t;
        });
        EventPublisher events = new EventPublisher(config.bootstrap(), config.workerId(), Map.of());
        CancelWatcher cancels;
        try {
            cancels = new CancelWatcher(config.bootstrap(), config.workerId(), config.kafkaProperties());
        } catch (RuntimeException e) {
            events.close();
            timer.shutdownNow();
            throw e;
        }
        CheckpointStore checkpoints = new CheckpointStore(store);
        JobServices services = new JobServices(config.workerId(), config.device(), config.workDir(), store,
                checkpoints, new CheckpointCache(checkpoints, config.workDir().resolve("checkpoint-cache"),
                        config.checkpointCacheSize()),
                new AttemptLedger(store), events, cancels, validator, timer, config.maxAttempts(),
                config.retryBackoff(), config.maxRetryBackoff(), java.time.Duration.ofMillis(500));
        RequestLoop.Settings settings = new RequestLoop.Settings(config.bootstrap(), config.workerId(),
                config.kafkaProperties(), config.releaseTimeout(), config.leaveGroupOnClose());
        Map<JobKind, RequestLoop> loops = new EnumMap<>(JobKind.class);
        for (JobKind kind : config.serve()) {
            loops.put(kind, new RequestLoop(kind, executors.get(kind), services, settings));
        }
        Worker worker = new Worker(config, loops, cancels, events, store, timer);
        worker.startLoops();
        return worker;
    }
}
