package dev.diffq.engine.train;

import ai.djl.nn.Block;

import java.nio.file.Path;

/** Callbacks of a training run, all on the training thread. Every method has a no-op default. */
public interface TrainListener {

    /**
     * After every optimizer step.
     *
     * @param step          steps done so far (1 after the first)
     * @param total         the run's step limit, or an estimate from the time limit when only that is set
     * @param loss          this step's training loss
     * @param imagesPerSec  smoothed throughput
     * @param etaSeconds    estimated time to the end of the run
     */
    default void onProgress(long step, long total, double loss, double imagesPerSec, double etaSeconds) {
    }

    /** After a complete checkpoint (manifest written, latest.json updated). */
    default void onCheckpoint(Path dir, long step) {
    }

    /**
     * Time for a sample grid: every {@code sampleEverySteps} and at the end of a run that was not cancelled.
     * {@code emaModel} is the EMA-weighted UNet (initialized, on the training device); do not keep it past the call.
     */
    default void onSampleGrid(long step, Block emaModel) {
        onSampleGrid(step);
    }

    default void onSampleGrid(long step) {
    }

    /** Checked at every step boundary: true makes the run checkpoint and return CANCELLED. */
    default boolean isCancelled() {
        return false;
    }

    TrainListener NONE = new TrainListener() {
    };
}
