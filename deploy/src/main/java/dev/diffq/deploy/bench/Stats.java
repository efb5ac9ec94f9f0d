package dev.diffq.deploy.bench;

import java.util.Arrays;

/**
 * Summary of a set of durations, in milliseconds. Percentiles use the nearest-rank method: the p-th percentile
 * is the smallest sample such that at least p% of the samples are less than or equal to it, so every reported
 * value is one that was actually measured (no interpolation between two runs).
 */
public record Stats(int count, double minMs, double meanMs, double p50Ms, double p95Ms, double p99Ms, double maxMs) {

    public static final Stats EMPTY = new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);

    /** From durations in nanoseconds (any order; the array is not changed). */
    public static Stats ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            return EMPTY;
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        double sum = 0;
        for (long n : sorted) {
            sum += n;
        }
        return new Stats(sorted.length, ms(sorted[0]), sum / sorted.length / 1e6, ms(percentile(sorted, 50)),
                ms(percentile(sorted, 95)), ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1]));
    }

    /**
     * Nearest-rank percentile of an ascending array: element ceil(p/100 * n) (1-based), at least the first.
     * @param p in (0, 100]
     */
    public static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("percentile of no samples");
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], got " + p);
        }
        // p * n first: exact for whole p, so e.g. p95 of 20 samples is rank 19, not 20 from 0.95 * 20 rounding up
        int rank = (int) Math.ceil(p * sorted.length / 100.0);
        return sorted[Math.max(1, rank) - 1];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
