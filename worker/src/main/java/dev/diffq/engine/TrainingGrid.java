package dev.diffq.engine;

import java.nio.file.Path;
import java.util.stream.IntStream;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import dev.diffq.engine.sample.ProgressListener;
import dev.diffq.engine.sample.SampleMode;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.TimestepSpacing;
import dev.diffq.contract.SamplingProfile;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.TrainConfig;

/**
 * The grid drawn during and after training with the EMA weights: one row per class (up to 10), 8 images each,
 * with the model's recommended sampling profile, so the grid shows what sampling it will give by default.
 * One place for it, so the command line and the worker draw the same picture.
 */
public final class TrainingGrid {
    public static final int PER_CLASS = 8;

    private TrainingGrid() {}

    /** Draws the grid into {@code dir} and returns the grid PNG. */
    public static Path draw(Block ema, TrainConfig config, Path dir, ProgressListener progress) {
        int classes = Math.min(config.model().numClasses(), 10);
        SamplingProfile profile = Checkpoint.recommendedProfile(config);
        SampleRequest req = SampleRequest.builder()
                .mode(SampleMode.GENERATE)
                .profile(profile)
                .steps(Math.min(profile.steps(), config.timesteps()))
                .spacing(TimestepSpacing.TRAILING)
                .guidance(classes > 0 ? profile.guidance() : 0)
                .classes(IntStream.range(0, classes).boxed().toList())
                .perClass(PER_CLASS)
                .seed(config.seed())
                .batchSize(160)
                .clipX0(true)
                .build();
        try (NDManager manager = NDManager.newBaseManager(DiffusionTrainer.resolveDevice(config.device()))) {
            return CheckpointSampling.run(ema, config, manager, req, dir, progress, () -> false).grid();
        }
    }
}
