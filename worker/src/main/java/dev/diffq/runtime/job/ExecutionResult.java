package dev.diffq.runtime.job;

import java.util.Map;

/**
 * How an attempt ended: the job finished (its summary goes into result.json under "summary"), or it stopped
 * early because {@link JobContext#shouldStop()} asked it to.
 * @param finished true when the work is done
 * @param summary  small JSON-serializable facts about the run (final loss, image count ...); empty when stopped
 */
public record ExecutionResult(boolean finished, Map<String, Object> summary) {
    public ExecutionResult {
        summary = Map.copyOf(summary);
    }

    public static ExecutionResult completed(Map<String, Object> summary) {
        return new ExecutionResult(true, summary);
    }

    public static ExecutionResult completed() {
        return completed(Map.of());
    }

    public static ExecutionResult stopped() {
        return new ExecutionResult(false, Map.of());
    }
}
