package dev.diffq.runtime.job;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import dev.diffq.proto.Progress;

/**
 * Lets through at most one progress report per interval and never loses the last one: a report that comes
 * too soon is held and sent when the interval has passed (unless a newer one replaces it first), or at
 * {@link #flush()}, which the runtime calls before any other event of the job.
 */
final class ProgressThrottle {
    private final long intervalNanos;
    private final ScheduledExecutorService timer;
    private final Consumer<Progress> sink;
    private long lastSentNanos;
    private boolean sentAny;
    private Progress pending;
    private boolean flushScheduled;
    private boolean closed;

    ProgressThrottle(long intervalMillis, ScheduledExecutorService timer, Consumer<Progress> sink) {
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(intervalMillis);
        this.timer = timer;
        this.sink = sink;
    }

    synchronized void offer(Progress progress) {
        if (closed) {
            return;
        }
        pending = progress;
        long waited = System.nanoTime() - lastSentNanos;
        if (!sentAny || waited >= intervalNanos) {
            sendPending();
        } else if (!flushScheduled) {
            flushScheduled = true;
            timer.schedule(this::flushOnTimer, intervalNanos - waited, TimeUnit.NANOSECONDS);
        }
    }

    /** Sends the held report now, if any. */
    synchronized void flush() {
        if (pending != null) {
            sendPending();
        }
    }

    /** Sends the held report and drops any later one. */
    synchronized void close() {
        flush();
        closed = true;
    }

    private synchronized void flushOnTimer() {
        flushScheduled = false;
        if (pending == null || closed) {
            return;
        }
        long waited = System.nanoTime() - lastSentNanos;
        if (waited >= intervalNanos) {
            sendPending();
        } else { // a flush() in between restarted the interval
            flushScheduled = true;
            timer.schedule(this::flushOnTimer, intervalNanos - waited, TimeUnit.NANOSECONDS);
        }
    }

    private void sendPending() {
        Progress p = pending;
        pending = null;
        lastSentNanos = System.nanoTime();
        sentAny = true;
        sink.accept(p);
    }
}
