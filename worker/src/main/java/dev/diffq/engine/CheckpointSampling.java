package dev.diffq.engine;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.engine.sample.BlockDenoiser;
import dev.diffq.engine.sample.ProgressListener;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.SampleResult;
import dev.diffq.engine.sample.SamplingPipeline;
import dev.diffq.engine.train.LoadedModel;

/**
 * Runs a sampling request on a model loaded from a checkpoint: the one place where a trained model meets a
 * sampler, so the samplers never learn how the model was trained and the trainer never learns how it is sampled.
 */
public final class CheckpointSampling {
    private CheckpointSampling() {}

    public static SampleResult run(LoadedModel model, SampleRequest request, Path outDir, ProgressListener progress,
            BooleanSupplier cancelled) {
        return run(model.block(), model.trainConfig(), model.model().getNDManager(), request, outDir, progress, cancelled);
    }

    /**
     * Samples from a UNet block trained with {@code config} (its schedule, objective and classes); the block's
     * parameters must live on {@code parent}'s device. Used for checkpoints and for the grids made during training.
     */
    public static SampleResult run(Block block, TrainConfig config, NDManager parent, SampleRequest request, Path outDir,
            ProgressListener progress, BooleanSupplier cancelled) {
        UNetConfig cfg = config.model();
        // PyTorch starts every thread in grad mode. Sampling with it on would record an autograd graph through the
        // weights at every step, and since each step's output feeds the next, the graphs chain and nothing is freed
        // until the batch ends (a worker grew to 19 GB and was killed). Grad mode is per thread: off here, restored.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager manager = parent.newSubManager()) {
            SamplingPipeline pipeline = new SamplingPipeline(new BlockDenoiser(block, manager),
                    NoiseSchedule.create(config.schedule(), config.timesteps()), Objective.parse(config.objective()),
                    cfg.nullClass(), cfg.inChannels(), cfg.imageSize());
            return pipeline.run(request, outDir, manager, progress, cancelled);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
