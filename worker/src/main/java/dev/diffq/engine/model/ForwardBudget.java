package dev.diffq.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.index.NDIndex;
import java.util.ArrayList;
import java.util.List;

/**
 * How many images one UNet pass may take on this device before it is split into pieces that run one after another.
 *
 * <p>Why: on the CPU the time per image rises steeply, up to 6x, once a pass's largest activation outgrows about
 * 32 MiB (docs/BENCHMARKS.md, "UNet passes in pieces"). Splitting costs nothing in results (no layer mixes
 * images; piece losses are summed with the whole batch's weights), only the order of float sums.
 *
 * <p>On the CPU the limit is {@link #BUDGET_BYTES} over the largest activation per image; on a GPU there is none.
 * {@code -Ddiffq.maxForwardImages=N} sets it (N >= 1), or turns it off (0).
 */
public final class ForwardBudget {
    /** Largest single activation a CPU pass should build: the measured knee (class comment). */
    public static final long BUDGET_BYTES = 32L << 20;
    private static final String PROPERTY = "diffq.maxForwardImages";
    /** No limit. */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private ForwardBudget() {
    }

    /** The most images per pass of this model on this device ({@link #UNLIMITED} = no split). */
    public static int imagesPerPass(UNetConfig cfg, Device device) {
        String set = System.getProperty(PROPERTY);
        if (set != null && !set.isBlank()) {
            int n;
            try {
                n = Integer.parseInt(set.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + PROPERTY + " must be a whole number >= 0 (0 = no limit), got '"
                        + set + "'");
            }
            if (n < 0) {
                throw new IllegalArgumentException("-D" + PROPERTY + " must be >= 0 (0 = no limit), got " + n);
            }
            return n == 0 ? UNLIMITED : n;
        }
        if (device != null && device.isGpu()) {
            return UNLIMITED;
        }
        return (int) Math.max(1, BUDGET_BYTES / largestActivationBytes(cfg));
    }

    /** The size of each piece when {@code n} images run at most {@code imagesPerPass} at a time: as equal as possible,
     * so that no piece is a small, slow remainder (128 at 111 per pass runs as 64 + 64, not 111 + 17). */
    public static int pieceSize(long n, int imagesPerPass) {
        if (n <= imagesPerPass) {
            return (int) Math.max(1, n);
        }
        long pieces = (n + imagesPerPass - 1) / imagesPerPass;
        return (int) ((n + pieces - 1) / pieces);
    }

    /** The ranges, first axis, in which {@code n} images run at most {@code imagesPerPass} at a time ({@link #pieceSize});
     * one range covering all when they fit in one pass. */
    public static List<NDIndex> pieces(long n, int imagesPerPass) {
        int size = pieceSize(n, imagesPerPass);
        List<NDIndex> ranges = new ArrayList<>();
        for (long start = 0; start < n; start += size) {
            ranges.add(new NDIndex("{}:{}", start, Math.min(n, start + size)));
        }
        return ranges;
    }

    /**
     * Bytes of the largest float32 tensor one image builds in a pass: per level, the widest concatenation on the
     * way up (the level's own channels plus the deeper level's), and at attention levels the query/key/value
     * projection and the heads' score matrices.
     */
    public static long largestActivationBytes(UNetConfig cfg) {
        long largest = 0;
        int c = cfg.baseChannels();
        int[] mults = cfg.channelMults();
        for (int l = 0; l < mults.length; l++) {
            long side = cfg.imageSize() >> l;
            long positions = side * side;
            long concat = (long) c * (mults[l] + mults[Math.min(l + 1, mults.length - 1)]);
            largest = Math.max(largest, concat * positions);
            if (cfg.hasAttention(l)) {
                largest = Math.max(largest, 3L * c * mults[l] * positions);
                largest = Math.max(largest, (long) Attention.HEADS * positions * positions);
            }
        }
        return 4 * largest;
    }
}
