package dev.diffq.runtime;

import java.time.Duration;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries an operation with exponential backoff while its failure is transient.
 * Used for object storage calls and Kafka commits; jobs themselves are retried by redelivery, not here.
 */
public final class Retry {
    private static final Logger log = LoggerFactory.getLogger(Retry.class);

    /** An operation that may fail with a checked exception. */
    @FunctionalInterface
    public interface Operation<T> {
        T call() throws Exception;
    }

    private final int maxTries;
    private final Duration firstDelay;
    private final Duration maxDelay;

    /**
     * @param maxTries   how many times to try in all (1 = no retry)
     * @param firstDelay delay after the first failure; doubled after each further one
     * @param maxDelay   cap on one delay
     */
    public Retry(int maxTries, Duration firstDelay, Duration maxDelay) {
        if (maxTries < 1) {
            throw new IllegalArgumentException("maxTries must be >= 1, got " + maxTries);
        }
        this.maxTries = maxTries;
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    /** 6 tries, 200 ms doubling up to 5 s: rides out a broker or S3 restart of about 10 s. */
    public static Retry standard() {
        return new Retry(6, Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** Delay before try number {@code tryNumber + 1} (tryNumber counts from 1), exponential and capped. */
    public static Duration backoff(Duration first, Duration max, int tryNumber) {
        long ms = first.toMillis() << Math.min(Math.max(tryNumber - 1, 0), 20);
        return Duration.ofMillis(Math.min(ms, max.toMillis()));
    }

    /**
     * Runs {@code op}; on an exception that {@code transient_} accepts, waits and tries again, up to the limit.
     * Other exceptions, and the last transient one, are thrown as they are.
     */
    public <T> T call(String what, Operation<T> op, Predicate<Exception> isTransient) throws Exception {
        for (int tryNumber = 1; ; tryNumber++) {
            try {
                return op.call();
            } catch (Exception e) {
                if (tryNumber >= maxTries || !isTransient.test(e)) {
                    throw e;
                }
                Duration delay = backoff(firstDelay, maxDelay, tryNumber);
                log.warn("{} failed (try {} of {}), retrying in {} ms: {}", what, tryNumber, maxTries,
                        delay.toMillis(), e.toString());
                try {
                    Thread.sleep(delay.toMillis());
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    e.addSuppressed(ie);
                    throw e;
                }
            }
        }
    }
}
