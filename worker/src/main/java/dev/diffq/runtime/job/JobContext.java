package dev.diffq.runtime.job;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.JobSpec;
import dev.diffq.runtime.storage.LocalCheckpoint;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * Everything an executor may use during one attempt of a job. All methods are safe to call from the
 * executor's thread; none blocks for long except the uploads and downloads.
 *
 * <p>A training executor typically does:
 * <pre>{@code
 * long step = ctx.resumeCheckpoint().map(c -> load(c.dir())).orElse(0L);
 * while (step < total) {
 *     if (ctx.shouldStop()) {
 *         if (!ctx.isCancelled()) ctx.saveCheckpoint(step, save(ctx.workDir().resolve("ckpt")));
 *         return ExecutionResult.stopped();
 *     }
 *     loss = trainStep(); step++;
 *     ctx.progress(step, total, loss, imgPerSec, eta, "training");
 *     if (ctx.checkpointDue(step)) ctx.saveCheckpoint(step, save(...));
 * }
 * ctx.artifact(metricsFile, "metrics.jsonl", "metrics");
 * return ExecutionResult.completed(Map.of("finalLoss", loss));
 * }</pre>
 */
public interface JobContext {

    /** The request as delivered: job id, normalized spec, shard index and count. */
    JobRequest request();

    default String jobId() {
        return request().getJobId();
    }

    default JobSpec spec() {
        return request().getSpec();
    }

    /** This attempt's number, from 1, as counted by the runtime's attempt ledger. */
    int attempt();

    String workerId();

    /** The device the worker was started for: "cpu" or "gpu:N". */
    String device();

    /** An empty folder private to this attempt; deleted when the attempt ends. */
    Path workDir();

    /**
     * Reports progress. The runtime sends at most one progress event per 500 ms and always sends the last
     * one (before any artifact or final event), so calling this every step is fine.
     */
    void progress(long step, long total, double loss, double imagesPerSec, double etaSeconds, String phase);

    /**
     * Uploads a local file to {@code jobs/<id>/<name>} now (multipart when large) and emits an Artifact event.
     * Uploading the same name again replaces the object (e.g. a growing metrics.jsonl). The artifact is
     * listed in result.json.
     * @param name relative key under the job, e.g. "samples/grid-step-500.png"
     * @param kind checkpoint | image | grid | gif | metrics | ...
     */
    Artifact artifact(Path localFile, String name, String kind) throws IOException;

    /** The job was cancelled: stop at the next step boundary, no checkpoint needed. */
    boolean isCancelled();

    /**
     * Stop at the next step boundary: the job was cancelled, or this worker is letting go of it (its
     * partition was revoked or the worker is shutting down), in which case save a checkpoint first.
     */
    boolean shouldStop();

    /**
     * True when a checkpoint should be saved after {@code step}: the spec's checkpoint_every_steps or
     * checkpoint_every_minutes has passed since the last {@link #saveCheckpoint}, or the worker is letting go.
     */
    boolean checkpointDue(long step);

    /**
     * This job's newest complete checkpoint (checkpoints/latest.json), downloaded into the work folder, or
     * empty on a fresh start. Call once at the start of a training attempt.
     */
    Optional<LocalCheckpoint> resumeCheckpoint() throws IOException;

    /**
     * Uploads the files under {@code dir} as {@code jobs/<id>/checkpoints/step-<step>/} (files first, then
     * upload-manifest.json, then latest.json) and emits an Artifact event of kind "checkpoint". The name
     * upload-manifest.json is reserved for the runtime; the engine's own manifest.json travels as an ordinary file.
     */
    void saveCheckpoint(long step, Path dir) throws IOException;

    /**
     * A checkpoint of another (training) job, for sampling: {@code step}, or the newest when empty. Served
     * from the worker's checkpoint cache; treat the folder as read-only.
     */
    LocalCheckpoint checkpointOf(String trainJobId, OptionalLong step) throws IOException;

    /** Downloads the uploaded image {@code inputs/<uploadId>.png} into the work folder. */
    Path input(String uploadId) throws IOException;

    /** Downloads the uploaded dataset {@code datasets/<name>/} (class sub-folders) into the work folder. */
    Path dataset(String name) throws IOException;

    /** The bucket, for anything the helpers above do not cover. */
    ObjectStore store();
}
