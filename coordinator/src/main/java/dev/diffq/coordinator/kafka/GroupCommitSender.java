package dev.diffq.coordinator.kafka;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/**
 * Group commit in front of a {@link TransactionalSender}: concurrent callers hand in their records and block;
 * one thread takes everything queued (up to {@code maxGroups} callers' groups) and writes it in ONE transaction.
 * A transaction costs about the same for one group as for dozens, so throughput follows concurrency.
 * Each caller's records still land atomically (they are in the one transaction); when the transaction fails,
 * every caller in it gets the {@link UnavailableException} and none of their records is visible.
 */
public final class GroupCommitSender implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(GroupCommitSender.class);

    private record Pending(List<ProducerRecord<String, byte[]>> records, CompletableFuture<Void> done) {}

    private final TransactionalSender sender;
    private final int maxGroups;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** For the summary at close: how well grouping works under this load. Written by the commit thread only. */
    private long transactions;
    private long groupsSent;
    private long commitNanos;

    public GroupCommitSender(TransactionalSender sender, int maxGroups) {
        if (maxGroups < 1) {
            throw new IllegalArgumentException("maxGroups must be at least 1, was " + maxGroups);
        }
        this.sender = sender;
        this.maxGroups = maxGroups;
        this.thread = new Thread(this::loop, "diffq-group-commit");
        thread.setDaemon(true);
        thread.start();
    }

    /** Blocks until {@code records} are committed (together with whatever else was queued) or throws. */
    public void send(List<ProducerRecord<String, byte[]>> records) {
        Pending p = new Pending(List.copyOf(records), new CompletableFuture<>());
        if (closed) {
            throw new UnavailableException("the sender is closed", null);
        }
        queue.add(p);
        if (closed) {
            // close() may have drained before our add: nobody else will answer us.
            failAll(new UnavailableException("the sender is closed", null));
        }
        try {
            p.done().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted waiting for the Kafka commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new UnavailableException("Kafka did not accept the write: " + e.getCause(), e.getCause());
        }
    }

    private void loop() {
        List<Pending> batch = new ArrayList<>();
        while (!closed) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                break;
            }
            queue.drainTo(batch, maxGroups - 1);
            List<ProducerRecord<String, byte[]>> all = new ArrayList<>();
            for (Pending p : batch) {
                all.addAll(p.records());
            }
            RuntimeException failure = null;
            long start = System.nanoTime();
            try {
                sender.send(all);
                transactions++;
                groupsSent += batch.size();
                commitNanos += System.nanoTime() - start;
            } catch (RuntimeException e) {
                failure = e instanceof UnavailableException ? e : new UnavailableException(e.toString(), e);
            }
            for (Pending p : batch) {
                if (failure == null) {
                    p.done().complete(null);
                } else {
                    p.done().completeExceptionally(failure);
                }
            }
            if (failure != null) {
                LOG.debugf("a group of %d writes failed: %s", batch.size(), failure.getMessage());
            }
            batch.clear();
        }
        failAll(new UnavailableException("the sender is closed", null));
        if (transactions > 0) {
            LOG.infof("group commit: %d transactions carried %d writers' groups (%.1f per transaction, %.1f ms each)",
                    transactions, groupsSent, (double) groupsSent / transactions, commitNanos / 1e6 / transactions);
        }
    }

    private void failAll(UnavailableException e) {
        Pending p;
        while ((p = queue.poll()) != null) {
            p.done().completeExceptionally(e);
        }
    }

    /** Stops the thread after the transaction in progress; callers still queued get UnavailableException. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new UnavailableException("the sender is closed", null));
    }
}
