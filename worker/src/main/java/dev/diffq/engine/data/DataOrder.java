package dev.diffq.engine.data;

import java.util.SplittableRandom;

/**
 * The order in which a training run visits a dataset: a fresh permutation per epoch, drawn from the run's seed and
 * the epoch number alone. The whole state is the {@link Cursor} (epoch, position), so a resumed run continues the
 * exact order. A batch that runs past the end of an epoch continues into the next one.
 */
public final class DataOrder {

    /** Where the next sample comes from: {@code position} within the permutation of {@code epoch}. */
    public record Cursor(long epoch, int position) {
        public Cursor {
            if (epoch < 0 || position < 0) {
                throw new IllegalArgumentException("cursor must be non-negative, got epoch " + epoch + ", position " + position);
            }
        }
    }

    private static final long STREAM_PERMUTATION = 0x5045524DL; // "PERM"
    private static final long STREAM_FLIP = 0x464C4950L; // "FLIP"

    private final int size;
    private final long seed;
    private long epoch;
    private int position;
    private int[] permutation;
    private long permutationEpoch = -1;

    public DataOrder(int size, long seed) {
        if (size <= 0) {
            throw new IllegalArgumentException("dataset is empty: nothing to train on");
        }
        this.size = size;
        this.seed = seed;
    }

    public int size() {
        return size;
    }

    public Cursor cursor() {
        return new Cursor(epoch, position);
    }

    public void seek(Cursor cursor) {
        if (cursor.position() >= size) {
            throw new IllegalArgumentException("cursor position " + cursor.position() + " is past the dataset size " + size
                    + ": the checkpoint was made with another dataset");
        }
        this.epoch = cursor.epoch();
        this.position = cursor.position();
    }

    /** The next {@code count} dataset indices; {@code flips[i]} (if not null) receives a seeded coin for sample i. */
    public int[] next(int count, boolean[] flips) {
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            if (permutationEpoch != epoch) {
                permutation = permutation(epoch);
                permutationEpoch = epoch;
            }
            out[i] = permutation[position];
            if (flips != null) {
                flips[i] = (mix(mix(seed ^ STREAM_FLIP, epoch), position) & 1L) == 1L;
            }
            position++;
            if (position == size) {
                position = 0;
                epoch++;
            }
        }
        return out;
    }

    /** The permutation of {@code epoch} (Fisher-Yates over a SplittableRandom seeded from seed and epoch). */
    public int[] permutation(long epoch) {
        return shuffled(size, mix(seed ^ STREAM_PERMUTATION, epoch));
    }

    /** A seeded Fisher-Yates shuffle of 0..n-1: the one shuffle of the engine's data orders. */
    public static int[] shuffled(int n, long seed) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** splitmix64 finaliser over a combination of two values: well-spread seeds from small integers. */
    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
