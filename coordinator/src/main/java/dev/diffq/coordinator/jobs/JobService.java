package dev.diffq.coordinator.jobs;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

import dev.diffq.contract.ImageInfo;
import dev.diffq.contract.Limits;
import dev.diffq.contract.Lookup;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.SpecValidator;
import dev.diffq.contract.Violation;
import dev.diffq.contract.Topics;
import dev.diffq.coordinator.api.ApiException;
import dev.diffq.coordinator.kafka.GroupCommitSender;
import dev.diffq.coordinator.kafka.TransactionalSender;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.coordinator.uploads.DatasetUnpacker;
import dev.diffq.coordinator.uploads.ImageUploads;
import dev.diffq.proto.Cancel;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.JobState;
import dev.diffq.proto.Priority;
import dev.diffq.proto.TrainSpec;

/**
 * Accepting, recording and cancelling jobs.
 *
 * <p>Submission: normalize, give the spec a seed when it has none (so the recorded spec reproduces the
 * images), validate, then write the QUEUED record to diffq.jobs and every request to its topic in one Kafka
 * transaction, shared with whatever other submissions are waiting at that moment ({@link GroupCommitSender}).
 * A failure before the commit leaves no record and no request, and the caller answers 503. spec.json (the
 * human-readable copy of the recorded spec) is written by the worker that runs the job, beside its outputs.
 *
 * <p>Cancel: a Cancel goes to diffq.control either way. A QUEUED job is recorded CANCELLED in the same
 * transaction (workers skip requests of cancelled jobs). A RUNNING job stays RUNNING until its worker
 * stops and reports Cancelled, as docs/API.md promises; the worker's report is what makes it CANCELLED.
 *
 * <p>Submissions run concurrently. An idempotency key or a job id being created is reserved in
 * {@link #inFlight} until its outcome is known: a second request for the same key or id waits for the first
 * and answers its job (or tries again itself when the first failed). That makes the checks atomic on one
 * replica; two replicas racing on the same key within the same few milliseconds could both accept.
 */
public final class JobService implements AutoCloseable {
    public record Submitted(JobRecord record, boolean created) {}

    private static final Logger LOG = Logger.getLogger(JobService.class);
    private static final Pattern CLIENT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{2,62}");
    private static final char[] ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    /** How many submissions at most share one Kafka transaction. */
    private static final int MAX_GROUP = 256;
    private static final long STORE_PROBE_MS = 1000;

    private final JobTable table;
    private final GroupCommitSender sender;
    private final ObjectStore store;
    private final Limits limits;
    private final ImageUploads uploads;
    private final DatasetUnpacker datasets;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final Object cancelLock = new Object();
    /** "key:" + idempotency key, "id:" + job id: the submissions in progress, completed with their outcome. */
    private final ConcurrentHashMap<String, CompletableFuture<JobRecord>> inFlight = new ConcurrentHashMap<>();
    private final ScheduledThreadPoolExecutor storeProbe;
    private volatile boolean storeUp;

    public JobService(JobTable table, TransactionalSender sender, ObjectStore store, ImageUploads uploads,
            DatasetUnpacker datasets, Limits limits, LongSupplier clock) {
        this.table = table;
        this.sender = new GroupCommitSender(sender, MAX_GROUP);
        this.store = store;
        this.uploads = uploads;
        this.datasets = datasets;
        this.limits = limits;
        this.clock = clock;
        this.storeProbe = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "diffq-store-probe");
            t.setDaemon(true);
            return t;
        });
        storeProbe.scheduleWithFixedDelay(this::probeStore, STORE_PROBE_MS, STORE_PROBE_MS, TimeUnit.MILLISECONDS);
    }

    /** POST /v1/jobs: a new job, or the job an earlier call with the same idempotency key made. */
    public Submitted submit(JobSpec spec, String idempotencyKey) {
        if (idempotencyKey == null || idempotencyKey.isEmpty()) {
            return new Submitted(createWithNewId(spec, null), true);
        }
        String slot = "key:" + idempotencyKey;
        while (true) {
            var earlier = table.byIdempotencyKey(idempotencyKey);
            if (earlier.isPresent()) {
                return new Submitted(earlier.get(), false);
            }
            CompletableFuture<JobRecord> mine = new CompletableFuture<>();
            CompletableFuture<JobRecord> other = inFlight.putIfAbsent(slot, mine);
            if (other != null) {
                Optional<JobRecord> theirs = outcome(other);
                if (theirs.isPresent()) {
                    return new Submitted(theirs.get(), false);
                }
                continue; // the first failed and released the key: try ourselves
            }
            try {
                // The first holder may have finished between our look at the table and our reservation.
                earlier = table.byIdempotencyKey(idempotencyKey);
                JobRecord record = earlier.isPresent() ? earlier.get() : createWithNewId(spec, idempotencyKey);
                mine.complete(record);
                return new Submitted(record, earlier.isEmpty());
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(slot, mine);
            }
        }
    }

    /** PUT /v1/jobs/{id}: the client names the job; repeating with the same spec is harmless. */
    public Submitted put(String id, JobSpec spec) {
        if (!CLIENT_ID.matcher(id).matches()) {
            throw ApiException.invalid("id", "must match [a-z0-9][a-z0-9-]{2,62}");
        }
        String slot = "id:" + id;
        while (true) {
            var existing = table.get(id);
            if (existing.isPresent()) {
                return new Submitted(sameSpecOrConflict(existing.get(), spec), false);
            }
            CompletableFuture<JobRecord> mine = new CompletableFuture<>();
            CompletableFuture<JobRecord> other = inFlight.putIfAbsent(slot, mine);
            if (other != null) {
                Optional<JobRecord> theirs = outcome(other);
                if (theirs.isPresent()) {
                    return new Submitted(sameSpecOrConflict(theirs.get(), spec), false);
                }
                continue;
            }
            try {
                existing = table.get(id);
                if (existing.isPresent()) {
                    mine.complete(existing.get());
                    return new Submitted(sameSpecOrConflict(existing.get(), spec), false);
                }
                JobRecord record = create(id, spec, null);
                mine.complete(record);
                return new Submitted(record, true);
            } catch (RuntimeException e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                inFlight.remove(slot, mine);
            }
        }
    }

    private JobRecord sameSpecOrConflict(JobRecord existing, JobSpec spec) {
        JobSpec recorded = existing.getSpec();
        JobSpec asked = SpecDefaults.normalize(spec, lookup());
        if (!asked.hasSeed()) {
            asked = asked.toBuilder().setSeed(recorded.getSeed()).build();
        }
        if (!asked.equals(recorded)) {
            throw ApiException.conflict("job " + existing.getId() + " exists with another spec");
        }
        return existing;
    }

    /** Waits for another submission holding a key or id: its job, or empty when it failed. */
    private static Optional<JobRecord> outcome(CompletableFuture<JobRecord> other) {
        try {
            return Optional.of(other.join());
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return Optional.empty();
        }
    }

    /** A generated id is reserved like a PUT id, so a PUT naming the same id cannot slip in beside it. */
    private JobRecord createWithNewId(JobSpec spec, String idempotencyKey) {
        CompletableFuture<JobRecord> mine = new CompletableFuture<>();
        String id;
        do {
            id = newId();
        } while (table.get(id).isPresent() || inFlight.putIfAbsent("id:" + id, mine) != null);
        try {
            JobRecord record = create(id, spec, idempotencyKey);
            mine.complete(record);
            return record;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove("id:" + id, mine);
        }
    }

    private JobRecord create(String id, JobSpec asked, String idempotencyKey) {
        JobSpec spec = SpecDefaults.normalize(asked, lookup());
        if (!spec.hasSeed()) {
            spec = spec.toBuilder().setSeed(random.nextLong() & Long.MAX_VALUE).build();
        }
        List<Violation> violations = SpecValidator.validate(spec, limits, lookup());
        if (!violations.isEmpty()) {
            throw ApiException.rejected(violations);
        }
        ShardPlan plan = ShardPlan.of(spec);
        // Storage must be up to accept work (results go there). The worker that runs the job writes spec.json
        // beside its outputs: a PUT per submission here was ~40% of the CPU of a burst (JFR, bin/diffq bench queue).
        checkStore();

        long now = clock.getAsLong();
        JobRecord record = JobRecord.newBuilder().setId(id).setSpec(spec).setState(JobState.QUEUED)
                .setCreatedMs(now).setUpdatedMs(now).setShardsTotal(plan.shardCount())
                .setIdempotencyKey(idempotencyKey == null ? "" : idempotencyKey)
                .build();
        List<ProducerRecord<String, byte[]>> writes = new ArrayList<>();
        writes.add(new ProducerRecord<>(Topics.JOBS, id, record.toByteArray()));
        String topic = requestTopic(spec);
        for (int shard = 0; shard < plan.shardCount(); shard++) {
            JobRequest request = JobRequest.newBuilder().setJobId(id).setSpec(spec).setShardIndex(shard)
                    .setShardCount(plan.shardCount()).setAttempt(1).setSubmittedAtMs(now).build();
            String key = spec.hasSample() ? ShardPlan.shardKey(id, shard) : id;
            writes.add(new ProducerRecord<>(topic, key, request.toByteArray()));
        }
        sender.send(writes);
        table.apply(record);
        return record;
    }

    /**
     * Storage must answer for a job to be accepted. A background look every second keeps {@link #storeUp}
     * current, so submissions do not wait on S3 while it answers; while it does not, each submission looks
     * itself (503 at once, and accepted again as soon as S3 is back).
     */
    private void checkStore() {
        if (!storeUp) {
            store.ensureBucket();
            storeUp = true;
        }
    }

    private void probeStore() {
        try {
            store.ensureBucket();
            storeUp = true;
        } catch (RuntimeException e) {
            storeUp = false;
        }
    }

    public static String requestTopic(JobSpec spec) {
        boolean high = spec.getPriority() == Priority.PRIORITY_HIGH;
        if (spec.hasTrain()) {
            return high ? Topics.TRAIN_HIGH : Topics.TRAIN;
        }
        return high ? Topics.SAMPLE_HIGH : Topics.SAMPLE;
    }

    /** POST /v1/jobs/{id}/cancel. */
    public JobRecord cancel(String id, String reason) {
        synchronized (cancelLock) {
            JobRecord job = table.get(id).orElseThrow(() -> ApiException.notFound("no job " + id));
            if (JobTable.isFinished(job.getState())) {
                throw ApiException.conflict("job " + id + " already finished (" + job.getState() + ")");
            }
            long now = clock.getAsLong();
            Cancel cancel = Cancel.newBuilder().setJobId(id).setReason(reason).setTimeMs(now).build();
            List<ProducerRecord<String, byte[]>> writes = new ArrayList<>();
            writes.add(new ProducerRecord<>(Topics.CONTROL, id, cancel.toByteArray()));
            JobRecord next = job;
            if (job.getState() == JobState.QUEUED) {
                long at = EventFolder.nextUpdate(job, now);
                next = job.toBuilder().setState(JobState.CANCELLED).setError(reason).setFinishedMs(at)
                        .setUpdatedMs(at).build();
                writes.add(new ProducerRecord<>(Topics.JOBS, id, next.toByteArray()));
            }
            sender.send(writes);
            table.apply(next);
            return next;
        }
    }

    /** Answers the validator from the job table and the bucket. */
    private Lookup lookup() {
        return new Lookup() {
            @Override
            public boolean jobHasCheckpoint(String jobId) {
                JobRecord job = table.get(jobId).orElse(null);
                if (job == null || !job.getSpec().hasTrain()) {
                    return false;
                }
                return job.getState() == JobState.SUCCEEDED || store.exists(ObjectKeys.latestCheckpoint(jobId));
            }

            @Override
            public Optional<TrainSpec> checkpointTrainSpec(String jobId) {
                return table.get(jobId).filter(j -> j.getSpec().hasTrain()).map(j -> j.getSpec().getTrain());
            }

            @Override
            public Optional<ImageInfo> upload(String id) {
                return uploads.find(id).map(u -> new ImageInfo(u.width(), u.height(), u.channels()));
            }

            @Override
            public Optional<Integer> datasetClasses(String name) {
                return datasets.classes(name);
            }
        };
    }

    /** Time-ordered, lower-case, e.g. {@code j-lx3k9z2a-4f7q}: short enough to type, unique enough. */
    private String newId() {
        StringBuilder sb = new StringBuilder("j-").append(Long.toString(clock.getAsLong(), 36).toLowerCase(Locale.ROOT))
                .append('-');
        for (int i = 0; i < 6; i++) {
            sb.append(ID_CHARS[random.nextInt(ID_CHARS.length)]);
        }
        return sb.toString();
    }

    /** Stops the storage probe and the commit thread. */
    @Override
    public void close() {
        storeProbe.shutdownNow();
        sender.close();
    }
}
