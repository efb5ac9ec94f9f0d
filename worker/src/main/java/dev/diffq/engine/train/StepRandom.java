package dev.diffq.engine.train;

import java.util.SplittableRandom;

/**
 * The random draws of one micro-batch, computed from (seed, step, micro-batch) alone: timesteps, label dropout and
 * noise. Nothing carries over between steps, so a resumed run draws exactly what an uninterrupted one would.
 */
public final class StepRandom {

    private StepRandom() {
    }

    /** Draws of one micro-batch: {@code noise} is {@code batch x pixelsPerImage} standard normals. */
    public record Draws(int[] timesteps, boolean[] dropLabel, float[] noise) {
    }

    public static Draws draw(long seed, long step, int micro, int batch, int pixelsPerImage, int timesteps,
                             double labelDropout) {
        SplittableRandom rng = new SplittableRandom(seedFor(seed, step, micro));
        int[] t = new int[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = rng.nextInt(timesteps);
        }
        boolean[] drop = new boolean[batch];
        for (int i = 0; i < batch; i++) {
            drop[i] = rng.nextDouble() < labelDropout;
        }
        float[] noise = new float[batch * pixelsPerImage];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) rng.nextGaussian();
        }
        return new Draws(t, drop, noise);
    }

    /** The seed of one (step, micro-batch), also used to seed the engine for dropout. */
    public static long seedFor(long seed, long step, int micro) {
        return mix(mix(seed, step), micro);
    }

    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
