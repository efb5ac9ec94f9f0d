package dev.diffq.runtime.job;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;

import dev.diffq.runtime.storage.CheckpointCache;
import dev.diffq.runtime.storage.CheckpointStore;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * What every job run shares inside one worker.
 * @param maxAttempts     attempts per work unit unless the spec sets max_attempts
 * @param retryBackoff    delay before the second attempt; doubled for each further one, capped at
 *                        {@code maxRetryBackoff}
 * @param progressInterval minimum time between two progress events of a job
 */
public record JobServices(
        String workerId,
        String device,
        Path workDir,
        ObjectStore store,
        CheckpointStore checkpoints,
        CheckpointCache checkpointCache,
        AttemptLedger ledger,
        EventSink events,
        CancelSignals cancels,
        RequestValidator validator,
        ScheduledExecutorService timer,
        int maxAttempts,
        Duration retryBackoff,
        Duration maxRetryBackoff,
        Duration progressInterval) {}
