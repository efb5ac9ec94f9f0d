package dev.diffq.runtime.job;

/**
 * Runs one kind of job. The runtime calls it on a thread of its own, once per attempt, with everything the
 * job may touch reachable through the context; the executor knows nothing of Kafka. It must check
 * {@link JobContext#shouldStop()} at every step boundary and return {@link ExecutionResult#stopped()} soon after
 * it turns true (saving a checkpoint first unless {@link JobContext#isCancelled()}). Throwing counts as a
 * failed attempt; the runtime retries up to the attempt limit. An executor must be safe to run again
 * from the start or from its latest checkpoint: delivery is at least once.
 */
@FunctionalInterface
public interface JobExecutor {
    ExecutionResult execute(JobContext ctx) throws Exception;
}
