package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.SplittableRandom;

/**
 * Gaussian noise that depends only on (seed, global image index, stream): never on which batch or
 * worker an image lands in, so a job split into shards gives the same images as one run.
 *
 * <p>Each (seed, image, stream) triple seeds its own {@link SplittableRandom} through a SplitMix64
 * hash; normals come from Box-Muller on its doubles, written out here so they cannot change with the
 * JDK. Stream 0 is the initial noise; samplers use {@link #stepStream} for the noise of each move.
 */
public final class NoiseSource {

    private final long seed;

    public NoiseSource(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    public static final long INITIAL = 0;

    /** Stream for the noise of move {@code move} (0-based) of a sampling loop, for a given purpose (0..3). */
    public static long stepStream(long move, int purpose) {
        return 1 + move * 4 + purpose;
    }

    /** Standard normal values for one image and stream. */
    public float[] gaussian(long imageIndex, long stream, int count) {
        SplittableRandom rnd = new SplittableRandom(mix(mix(mix(seed) ^ imageIndex) ^ (stream * 0x9E3779B97F4A7C15L)));
        float[] out = new float[count];
        for (int i = 0; i < count; i += 2) {
            // Box-Muller: two independent normals from two uniforms; 1 - u keeps the log finite.
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            out[i] = (float) (r * Math.cos(2 * Math.PI * u2));
            if (i + 1 < count) {
                out[i + 1] = (float) (r * Math.sin(2 * Math.PI * u2));
            }
        }
        return out;
    }

    /** A (N, ...imageShape) batch: row i is the noise of image {@code imageIndices[i]} in this stream. */
    public NDArray batch(NDManager manager, long[] imageIndices, long stream, Shape imageShape) {
        int per = Math.toIntExact(imageShape.size());
        float[] all = new float[imageIndices.length * per];
        for (int i = 0; i < imageIndices.length; i++) {
            System.arraycopy(gaussian(imageIndices[i], stream, per), 0, all, i * per, per);
        }
        long[] dims = new long[imageShape.dimension() + 1];
        dims[0] = imageIndices.length;
        System.arraycopy(imageShape.getShape(), 0, dims, 1, imageShape.dimension());
        return manager.create(all, new Shape(dims));
    }

    /** SplitMix64 finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
