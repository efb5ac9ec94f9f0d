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
        return draw(seed, step, micro, batch, pixelsPerImage, timesteps, labelDropout, 1.0);
    }

    /**
     * As above, with the timesteps drawn through a shift {@code s}: t = floor(T * s u / (1 + (s - 1) u)) for u uniform
     * in [0, 1) (the timestep shift of Esser et al. 2024), so s > 1 trains the noisier steps more often and s < 1 the
     * cleaner ones. s = 1 draws uniformly, exactly as the method without a shift.
     */
    public static Draws draw(long seed, long step, int micro, int batch, int pixelsPerImage, int timesteps,
                             double labelDropout, double timestepShift) {
        return draw(seed, step, micro, batch, pixelsPerImage, timesteps, labelDropout, timestepShift, false);
    }

    /**
     * As above; {@code stratified} draws the batch's uniforms one per stratum, u_i = (i + U_i) / batch (the
     * low-discrepancy timesteps of Kingma et al. 2021), before the shift. The images come in shuffled order, so each
     * image's u is still uniform on [0, 1) and the batch loss keeps its expectation; what goes is the chance of a batch
     * bunched at a few noise levels, so the gradient varies less from batch to batch.
     */
    public static Draws draw(long seed, long step, int micro, int batch, int pixelsPerImage, int timesteps,
                             double labelDropout, double timestepShift, boolean stratified) {
        SplittableRandom rng = new SplittableRandom(seedFor(seed, step, micro));
        int[] t = new int[batch];
        for (int i = 0; i < batch; i++) {
            if (timestepShift == 1.0 && !stratified) {
                t[i] = rng.nextInt(timesteps); // the uniform draw from before the shift, bit for bit
            } else {
                double u = rng.nextDouble();
                t[i] = shifted(stratified ? (i + u) / batch : u, timestepShift, timesteps);
            }
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

    /** The timestep that uniform {@code u} in [0, 1) maps to under shift {@code s}; always in [0, timesteps). */
    static int shifted(double u, double s, int timesteps) {
        double v = s * u / (1 + (s - 1) * u);
        return Math.min(timesteps - 1, (int) Math.floor(v * timesteps));
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
