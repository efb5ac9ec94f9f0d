package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;

/**
 * The trained network as samplers see it: the raw model output for noisy images x_t at timesteps t,
 * conditioned on class labels. Samplers never know how the model was trained beyond its
 * {@link dev.diffq.engine.schedule.Objective} (what the output means: eps or v).
 *
 * <p>xt: (N, C, H, W) float32; t: (N) int64; labels: (N) int64 where the model's null class means
 * "no class" (unconditional models ignore labels). The result has xt's shape and should be created on
 * xt's manager (as DJL operations do), so the sampler's per-step scope frees it.
 */
@FunctionalInterface
public interface Denoiser {
    NDArray predict(NDArray xt, NDArray t, NDArray labels);
}
