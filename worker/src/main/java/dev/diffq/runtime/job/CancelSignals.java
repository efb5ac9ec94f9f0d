package dev.diffq.runtime.job;

import java.time.Duration;

/** Which jobs were cancelled (runtime.kafka.CancelWatcher reads them from diffq.control and diffq.jobs). */
public interface CancelSignals {
    boolean isCancelled(String jobId);

    /**
     * Waits until every cancellation published before this call has been read, so a request taken after
     * its Cancel was sent is never started. Returns false when that took longer than {@code timeout}.
     */
    boolean awaitCaughtUp(Duration timeout);
}
