package dev.diffq.coordinator.jobs;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.ProducerRecord;

import dev.diffq.contract.ImageInfo;
import dev.diffq.contract.JobJson;
import dev.diffq.contract.Limits;
import dev.diffq.contract.Lookup;
import dev.diffq.contract.ObjectKeys;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.SpecValidator;
import dev.diffq.contract.Violation;
import dev.diffq.contract.Topics;
import dev.diffq.coordinator.api.ApiException;
import dev.diffq.coordinator.kafka.TransactionalSender;
import dev.diffq.coordinator.kafka.UnavailableException;
import dev.diffq.coordinator.store.ObjectStore;
import dev.diffq.coordinator.uploads.DatasetUnpacker;
import dev.diffq.coordinator.uploads.ImageUploads;
import dev.diffq.proto.Artifact;
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
 * images), validate, store spec.json, then write the QUEUED record to diffq.jobs and every request to its
 * topic in one Kafka transaction. A failure before the commit leaves no record and no request (at most an
 * orphan spec.json, removed on a best-effort basis), and the caller answers 503.
 *
 * <p>Cancel: a Cancel goes to diffq.control either way. A QUEUED job is recorded CANCELLED in the same
 * transaction (workers skip requests of cancelled jobs). A RUNNING job stays RUNNING until its worker
 * stops and reports Cancelled, as docs/API.md promises; the worker's report is what makes it CANCELLED.
 *
 * <p>Submissions on one replica are serialized, which makes the idempotency-key and client-id checks
 * atomic there; two replicas racing on the same key within the same few milliseconds could both accept.
 */
public final class JobService {
    public record Submitted(JobRecord record, boolean created) {}

    private static final Pattern CLIENT_ID = Pattern.compile("[a-z0-9][a-z0-9-]{2,62}");
    private static final char[] ID_CHARS = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final JobTable table;
    private final TransactionalSender sender;
    private final ObjectStore store;
    private final Limits limits;
    private final ImageUploads uploads;
    private final DatasetUnpacker datasets;
    private final LongSupplier clock;
    private final SecureRandom random = new SecureRandom();
    private final Object submitLock = new Object();

    public JobService(JobTable table, TransactionalSender sender, ObjectStore store, ImageUploads uploads,
            DatasetUnpacker datasets, Limits limits, LongSupplier clock) {
        this.table = table;
        this.sender = sender;
        this.store = store;
        this.uploads = uploads;
        this.datasets = datasets;
        this.limits = limits;
        this.clock = clock;
    }

    /** POST /v1/jobs: a new job, or the job an earlier call with the same idempotency key made. */
    public Submitted submit(JobSpec spec, String idempotencyKey) {
        synchronized (submitLock) {
            if (idempotencyKey != null && !idempotencyKey.isEmpty()) {
                var earlier = table.byIdempotencyKey(idempotencyKey);
                if (earlier.isPresent()) {
                    return new Submitted(earlier.get(), false);
                }
            }
            return new Submitted(create(newId(), spec, idempotencyKey), true);
        }
    }

    /** PUT /v1/jobs/{id}: the client names the job; repeating with the same spec is harmless. */
    public Submitted put(String id, JobSpec spec) {
        if (!CLIENT_ID.matcher(id).matches()) {
            throw ApiException.invalid("id", "must match [a-z0-9][a-z0-9-]{2,62}");
        }
        synchronized (submitLock) {
            var existing = table.get(id);
            if (existing.isPresent()) {
                JobSpec recorded = existing.get().getSpec();
                JobSpec asked = SpecDefaults.normalize(spec);
                if (!asked.hasSeed()) {
                    asked = asked.toBuilder().setSeed(recorded.getSeed()).build();
                }
                if (!asked.equals(recorded)) {
                    throw ApiException.conflict("job " + id + " exists with another spec");
                }
                return new Submitted(existing.get(), false);
            }
            return new Submitted(create(id, spec, null), true);
        }
    }

    private JobRecord create(String id, JobSpec asked, String idempotencyKey) {
        JobSpec spec = SpecDefaults.normalize(asked);
        if (!spec.hasSeed()) {
            spec = spec.toBuilder().setSeed(random.nextLong() & Long.MAX_VALUE).build();
        }
        List<Violation> violations = SpecValidator.validate(spec, limits, lookup());
        if (!violations.isEmpty()) {
            throw ApiException.rejected(violations);
        }
        ShardPlan plan = ShardPlan.of(spec);

        byte[] specJson = JobJson.pretty(spec).getBytes(StandardCharsets.UTF_8);
        store.put(ObjectKeys.spec(id), specJson, "application/json");

        long now = clock.getAsLong();
        JobRecord record = JobRecord.newBuilder().setId(id).setSpec(spec).setState(JobState.QUEUED)
                .setCreatedMs(now).setUpdatedMs(now).setShardsTotal(plan.shardCount())
                .setIdempotencyKey(idempotencyKey == null ? "" : idempotencyKey)
                .addArtifacts(Artifact.newBuilder().setName("spec.json").setSize(specJson.length)
                        .setContentType("application/json").setKind("spec"))
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
        try {
            sender.send(writes);
        } catch (UnavailableException e) {
            store.deleteQuietly(ObjectKeys.spec(id));
            throw e;
        }
        table.apply(record);
        return record;
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
        synchronized (submitLock) {
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
}
