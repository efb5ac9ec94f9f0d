package dev.diffq.runtime.job;

import dev.diffq.contract.ObjectKeys;
import dev.diffq.proto.JobRequest;

/**
 * What one request asks a worker to do: a whole job, or one shard of a sharded sampling job
 * ({@code shardCount > 1}). Each unit has its own completion marker and attempt ledger.
 */
public record WorkUnit(String jobId, int shardIndex, int shardCount) {

    public static WorkUnit of(JobRequest request) {
        return new WorkUnit(request.getJobId(), request.getShardIndex(), Math.max(1, request.getShardCount()));
    }

    public boolean sharded() {
        return shardCount > 1;
    }

    /** result.json of this unit: the job's own, or the shard's. */
    public String resultKey() {
        return sharded() ? ObjectKeys.shardResult(jobId, shardIndex) : ObjectKeys.result(jobId);
    }

    /**
     * The attempt ledger (see {@link AttemptLedger}), beside the result: {@code jobs/<id>/attempts.json} or
     * {@code jobs/<id>/shards/<n>/attempts.json}.
     */
    public String attemptsKey() {
        String result = resultKey();
        return result.substring(0, result.length() - "result.json".length()) + "attempts.json";
    }

    /** For logs: "job-1" or "job-1 shard 3/8". */
    public String label() {
        return sharded() ? jobId + " shard " + shardIndex + "/" + shardCount : jobId;
    }
}
