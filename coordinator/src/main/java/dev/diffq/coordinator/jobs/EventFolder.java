package dev.diffq.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;
import dev.diffq.proto.Progress;
import dev.diffq.proto.ShardProgress;

/**
 * Folds one worker event into a job record (a pure function; the Kafka loop around it is {@link EventFolding}).
 * <ul>
 * <li>started: QUEUED -> RUNNING; the attempt count follows the highest attempt seen;</li>
 * <li>progress: the latest progress replaces the previous one; for a job of several shards each running
 *     shard's latest progress is kept and the job's progress is their sum ({@link #combined});</li>
 * <li>artifact: appended (an artifact of the same name is replaced);</li>
 * <li>succeeded: for a training job, SUCCEEDED; for a sample job the shard is counted and the job
 *     is {@link Folded#allShardsSucceeded() ready to finish} once every shard has succeeded (one shard too:
 *     workers write per-shard grids, the job's grid and image index are composed on finishing);</li>
 * <li>failed, retryable: this attempt failed or the worker let go of it, and the request will run again:
 *     back to QUEUED with the reason kept in {@code error};</li>
 * <li>failed, not retryable: FAILED with the reason;</li>
 * <li>cancelled: CANCELLED.</li>
 * </ul>
 * A finished job ignores further events.
 */
public final class EventFolder {
    private EventFolder() {}

    public record Folded(JobRecord record, boolean allShardsSucceeded) {}

    public static Folded fold(JobRecord r, JobEvent e, long nowMs) {
        if (JobTable.isFinished(r.getState())) {
            return new Folded(r, false);
        }
        JobRecord.Builder b = r.toBuilder().setUpdatedMs(nextUpdate(r, nowMs));
        long at = e.getTimeMs() > 0 ? e.getTimeMs() : nowMs;
        boolean allDone = false;
        switch (e.getKindCase()) {
            case STARTED -> {
                b.setState(JobState.RUNNING); // also after a retryable failure put it back in the queue
                markRunning(b, e, at);
            }
            case PROGRESS -> {
                markRunning(b, e, at);
                if (r.getShardsTotal() > 1) {
                    if (!r.getShardsSucceededList().contains(e.getShardIndex())) {
                        putShardProgress(b, e.getShardIndex(), e.getProgress());
                        b.setProgress(combined(b, e.getProgress().getPhase()));
                    }
                } else {
                    b.setProgress(e.getProgress());
                }
            }
            case ARTIFACT -> {
                List<Artifact> artifacts = new ArrayList<>(r.getArtifactsList());
                artifacts.removeIf(a -> a.getName().equals(e.getArtifact().getName()));
                artifacts.add(e.getArtifact());
                b.clearArtifacts().addAllArtifacts(artifacts);
            }
            case SUCCEEDED -> {
                markRunning(b, e, at);
                TreeSet<Integer> done = new TreeSet<>(r.getShardsSucceededList());
                done.add(e.getShardIndex());
                b.clearShardsSucceeded().addAllShardsSucceeded(done).setShardsDone(done.size());
                int total = Math.max(1, r.getShardsTotal());
                if (total > 1) {
                    removeShardProgress(b, e.getShardIndex());
                    if (b.hasProgress()) {
                        b.setProgress(combined(b, b.getProgress().getPhase()));
                    }
                }
                if (done.size() >= total) {
                    if (total == 1 && !r.getSpec().hasSample()) {
                        b.setState(JobState.SUCCEEDED).setFinishedMs(at);
                    } else {
                        allDone = true;
                    }
                }
            }
            case FAILED -> {
                if (e.getFailed().getRetryable()) {
                    b.setState(JobState.QUEUED).setError(e.getFailed().getReason());
                } else {
                    b.setState(JobState.FAILED).setError(e.getFailed().getReason()).setFinishedMs(at);
                }
            }
            case CANCELLED -> b.setState(JobState.CANCELLED).setError(e.getCancelled().getReason()).setFinishedMs(at);
            default -> {
                return new Folded(r, false);
            }
        }
        return new Folded(b.build(), allDone);
    }

    private static void putShardProgress(JobRecord.Builder b, int shard, Progress p) {
        removeShardProgress(b, shard);
        b.addRunningShards(ShardProgress.newBuilder().setShardIndex(shard).setProgress(p));
    }

    private static void removeShardProgress(JobRecord.Builder b, int shard) {
        for (int i = 0; i < b.getRunningShardsCount(); i++) {
            if (b.getRunningShards(i).getShardIndex() == shard) {
                b.removeRunningShards(i);
                return;
            }
        }
    }

    /**
     * The progress of a sharded job: every succeeded shard counts its full steps, every running shard its latest
     * step, out of {@code shards_total} times the steps of one shard (shards of a job run the same sampler steps).
     * Images per second add up over the running shards; the ETA is the steps left at their combined rate.
     */
    private static Progress combined(JobRecord.Builder b, String phase) {
        long perShard = 0;
        for (ShardProgress s : b.getRunningShardsList()) {
            perShard = Math.max(perShard, s.getProgress().getTotal());
        }
        if (perShard == 0 && b.hasProgress() && b.getShardsTotal() > 0) {
            perShard = b.getProgress().getTotal() / b.getShardsTotal();
        }
        long step = (long) b.getShardsDone() * perShard;
        double imagesPerSec = 0;
        double stepsPerSec = 0;
        for (ShardProgress s : b.getRunningShardsList()) {
            Progress p = s.getProgress();
            step += Math.min(p.getStep(), perShard);
            imagesPerSec += p.getImagesPerSec();
            long left = p.getTotal() - p.getStep();
            if (left > 0 && p.getEtaSeconds() > 0) {
                stepsPerSec += left / p.getEtaSeconds();
            }
        }
        long total = (long) b.getShardsTotal() * perShard;
        double eta = stepsPerSec > 0 ? (total - step) / stepsPerSec : 0;
        return Progress.newBuilder().setStep(step).setTotal(total).setImagesPerSec(imagesPerSec).setEtaSeconds(eta)
                .setPhase(phase).build();
    }

    private static void markRunning(JobRecord.Builder b, JobEvent e, long at) {
        if (b.getState() == JobState.QUEUED || b.getState() == JobState.JOB_STATE_UNSPECIFIED) {
            b.setState(JobState.RUNNING);
        }
        if (b.getStartedMs() == 0) {
            b.setStartedMs(at);
        }
        if (!e.getWorkerId().isEmpty()) {
            b.setWorkerId(e.getWorkerId());
        }
        b.setAttempts(Math.max(b.getAttempts(), Math.max(1, e.getAttempt())));
    }

    /** Strictly increasing per job, so the table can tell a newer record from an older one. */
    public static long nextUpdate(JobRecord r, long nowMs) {
        return Math.max(nowMs, r.getUpdatedMs() + 1);
    }
}
