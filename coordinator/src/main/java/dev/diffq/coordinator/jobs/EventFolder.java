package dev.diffq.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import dev.diffq.proto.Artifact;
import dev.diffq.proto.JobEvent;
import dev.diffq.proto.JobRecord;
import dev.diffq.proto.JobState;

/**
 * Folds one worker event into a job record (a pure function; the Kafka loop around it is {@link EventFolding}).
 * <ul>
 * <li>started: QUEUED -> RUNNING; the attempt count follows the highest attempt seen;</li>
 * <li>progress: the latest progress replaces the previous one;</li>
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
                b.setProgress(e.getProgress());
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
