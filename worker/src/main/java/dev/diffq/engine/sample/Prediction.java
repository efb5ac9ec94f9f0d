package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;

/** A denoising estimate at x_t: the noise and the clean image it implies (after any x0 clipping). */
public record Prediction(NDArray eps, NDArray x0) {
}
