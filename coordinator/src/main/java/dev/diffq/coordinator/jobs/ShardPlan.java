package dev.diffq.coordinator.jobs;

import dev.diffq.contract.SpecDefaults;
import dev.diffq.contract.SpecValidator;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.SampleSpec;

/**
 * How a job is split into requests. A sample job of N images (classes x per_class, or per_class when
 * unconditional) becomes ceil(N / shard_size) shards; a training job is one request. Workers derive each
 * image's noise from (job seed, global image index), so the images do not depend on the split.
 */
public record ShardPlan(int images, int shardSize, int shardCount) {

    public static ShardPlan of(JobSpec spec) {
        if (!spec.hasSample()) {
            return new ShardPlan(0, 0, 1);
        }
        int images = images(spec.getSample());
        int shardSize = spec.getSample().hasShardSize() && spec.getSample().getShardSize() > 0
                ? spec.getSample().getShardSize() : SpecDefaults.SHARD_SIZE;
        int shards = Math.max(1, (int) ((images + (long) shardSize - 1) / shardSize));
        return new ShardPlan(images, shardSize, shards);
    }

    /** Images a sample spec asks for (the validator's count, capped to an int: the limit is far below). */
    public static int images(SampleSpec sample) {
        return (int) Math.min(Integer.MAX_VALUE, SpecValidator.imagesRequested(sample));
    }

    public static String shardKey(String jobId, int shard) {
        return jobId + "/" + shard;
    }
}
