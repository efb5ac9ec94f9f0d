package dev.diffq.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.diffq.runtime.kafka.CancelWatcher;
import dev.diffq.runtime.kafka.EventPublisher;
import dev.diffq.runtime.kafka.RequestLoop;
import dev.diffq.runtime.storage.ObjectStore;

/**
 * A running worker: one request loop per served kind (each with its own consumer and job thread), the
 * cancel watcher and the event producer. {@link #close()} lets go of running jobs (they checkpoint), leaves
 * the groups and releases everything; it is also what the shutdown hook calls on SIGTERM.
 */
public final class Worker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final WorkerConfig config;
    private final Map<JobKind, RequestLoop> loops;
    private final List<Thread> threads = new ArrayList<>();
    private final CancelWatcher cancels;
    private final EventPublisher events;
    private final ObjectStore store;
    private final ScheduledExecutorService timer;
    private boolean closed;

    Worker(WorkerConfig config, Map<JobKind, RequestLoop> loops, CancelWatcher cancels, EventPublisher events,
           ObjectStore store, ScheduledExecutorService timer) {
        this.config = config;
        this.loops = loops;
        this.cancels = cancels;
        this.events = events;
        this.store = store;
        this.timer = timer;
    }

    void startLoops() {
        loops.forEach((kind, loop) -> {
            Thread t = new Thread(loop, "diffq-requests-" + kind.label());
            threads.add(t);
            t.start();
        });
        log.info("worker {} serving {} on {} (device {})", config.workerId(), loops.keySet(), config.bootstrap(),
                config.device());
    }

    public WorkerConfig config() {
        return config;
    }

    /** Runs started by the loop of {@code kind} (0 when the kind is not served). */
    public long runsStarted(JobKind kind) {
        RequestLoop loop = loops.get(kind);
        return loop == null ? 0 : loop.runsStarted();
    }

    /** Blocks until the worker has been closed (for main). */
    public void awaitTermination() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("worker {} stopping", config.workerId());
        loops.values().forEach(RequestLoop::stop);
        long waitMs = config.releaseTimeout().toMillis() + 20_000;
        for (Thread t : threads) {
            try {
                t.join(waitMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        cancels.close();
        events.close();
        timer.shutdownNow();
        try {
            store.close();
        } catch (Exception e) {
            log.debug("closing the object store: {}", e.toString());
        }
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("worker {} stopped", config.workerId());
    }
}
