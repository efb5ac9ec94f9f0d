package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;

/**
 * Called after every model evaluation of a sampling loop: {@code step} of {@code total} (1-based),
 * the timestep just evaluated, the new x and the clean-image estimate it came from. Arrays are only
 * valid during the call (they belong to the step's scope): copy what you keep.
 */
@FunctionalInterface
public interface StepListener {
    void onStep(int step, int total, int t, NDArray x, NDArray x0);

    StepListener NONE = (step, total, t, x, x0) -> { };
}
