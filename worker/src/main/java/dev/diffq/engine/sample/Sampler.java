package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffq.engine.schedule.NoiseSchedule;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A reverse-process solver. It moves x from timestep t to an earlier timestep tPrev given the estimate
 * at (x, t); {@code tPrev == CLEAN} (-1) means to clean data (alphaBar = 1). The loops that drive it
 * (plain, inpainting with resampling, image-to-image) are in {@link ReverseProcess}.
 */
public interface Sampler {

    int CLEAN = -1;

    String name();

    NoiseSchedule schedule();

    /**
     * One move x_t -> x_tPrev. {@code noise} draws N(0, I) of x's shape (deterministic per image and
     * move); call it only if the move is stochastic.
     */
    NDArray step(NDArray xt, int t, int tPrev, Prediction pred, Supplier<NDArray> noise);

    /**
     * Starts a new trajectory: forget multistep history. Arrays kept across steps are attached to
     * {@code keep}, which outlives the loop's per-step scopes.
     */
    default void reset(NDManager keep) {
    }

    /**
     * Samples a batch from x at {@code timesteps[0]} down through every timestep to clean data.
     *
     * @param x         (N, C, H, W) starting point, usually noise; it is consumed (freed)
     * @param timesteps descending timesteps, see {@link TimestepSpacing}
     * @param imageIndices global image index of each row (selects the per-image noise)
     * @param cancelled checked before every step; true stops with {@link dev.diffq.engine.CancelledException}
     * @return the samples, on x's manager
     */
    default NDArray sample(NDArray x, int[] timesteps, Estimator estimator, NoiseSource noise, long[] imageIndices,
                           StepListener listener, BooleanSupplier cancelled) {
        return ReverseProcess.run(this, x, timesteps, estimator, noise, imageIndices, null, listener, cancelled);
    }

    /** alphaBar at t, 1 for {@link #CLEAN}. */
    default double alphaBar(int t) {
        return t == CLEAN ? 1.0 : schedule().alphaBar(t);
    }
}
