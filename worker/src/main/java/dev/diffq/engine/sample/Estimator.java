package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;

/**
 * What samplers call each step: the (guided, combined, clipped) estimate at x_t, with one timestep for
 * the whole batch. {@link GuidedEstimator} builds it from a {@link Denoiser}.
 */
@FunctionalInterface
public interface Estimator {
    Prediction estimate(NDArray xt, int t);
}
