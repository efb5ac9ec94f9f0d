package dev.diffq.engine;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import dev.diffq.engine.model.ForwardBudget;
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
        return run(model, null, request, outDir, progress, cancelled);
    }

    /**
     * As {@link #run(LoadedModel, SampleRequest, Path, ProgressListener, BooleanSupplier)}, with {@code guide} (may be
     * null) as the weaker model for the request's autoguidance weight. It must have been trained on the same noise
     * schedule, image shape and classes; anything else fails here, naming the difference.
     */
    public static SampleResult run(LoadedModel model, LoadedModel guide, SampleRequest request, Path outDir,
            ProgressListener progress, BooleanSupplier cancelled) {
        if (guide != null) {
            checkGuide(model.trainConfig(), guide.trainConfig(), guide.dir());
        }
        return run(model.block(), model.trainConfig(), guide, model.model().getNDManager(), request, outDir, progress,
                cancelled);
    }

    /** Throws IllegalArgumentException unless a guide trained with {@code g} can guide a model trained with {@code m}. */
    static void checkGuide(TrainConfig m, TrainConfig g, Path guideDir) {
        String what = null;
        if (!m.schedule().equals(g.schedule()) || m.timesteps() != g.timesteps()) {
            what = "noise schedule " + g.schedule() + "/" + g.timesteps() + " (the model's is " + m.schedule() + "/"
                    + m.timesteps() + ")";
        } else if (m.model().inChannels() != g.model().inChannels() || m.model().imageSize() != g.model().imageSize()) {
            what = "images " + g.model().inChannels() + "x" + g.model().imageSize() + "x" + g.model().imageSize()
                    + " (the model's are " + m.model().inChannels() + "x" + m.model().imageSize() + "x"
                    + m.model().imageSize() + ")";
        } else if (m.model().numClasses() != g.model().numClasses()) {
            what = g.model().numClasses() + " classes (the model has " + m.model().numClasses() + ")";
        }
        if (what != null) {
            throw new IllegalArgumentException("guide checkpoint " + guideDir + " has " + what
                    + "; a guide must be a weaker model of the same data, e.g. an earlier step of the same run");
        }
    }

    /**
     * Samples from a UNet block trained with {@code config} (its schedule, objective and classes); the block's
     * parameters must live on {@code parent}'s device. Used for checkpoints and for the grids made during training.
     */
    public static SampleResult run(Block block, TrainConfig config, NDManager parent, SampleRequest request, Path outDir,
            ProgressListener progress, BooleanSupplier cancelled) {
        return run(block, config, null, parent, request, outDir, progress, cancelled);
    }

    private static SampleResult run(Block block, TrainConfig config, LoadedModel guide, NDManager parent,
            SampleRequest request, Path outDir, ProgressListener progress, BooleanSupplier cancelled) {
        UNetConfig cfg = config.model();
        // PyTorch starts every thread in grad mode. Sampling with it on would record an autograd graph through the
        // weights at every step, and since each step's output feeds the next, the graphs chain and nothing is freed
        // until the batch ends (a worker grew to 19 GB and was killed). Grad mode is per thread: off here, restored.
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager manager = parent.newSubManager()) {
            int perPass = ForwardBudget.imagesPerPass(cfg, manager.getDevice());
            SamplingPipeline pipeline = new SamplingPipeline(new BlockDenoiser(block, manager, perPass),
                    NoiseSchedule.create(config.schedule(), config.timesteps()), Objective.parse(config.objective()),
                    cfg.nullClass(), cfg.inChannels(), cfg.imageSize());
            if (guide != null) {
                pipeline = pipeline.withGuide(new BlockDenoiser(guide.block(), manager, perPass), guide.objective());
            }
            return pipeline.run(request, outDir, manager, progress, cancelled);
        } finally {
            JniUtils.setGradMode(gradMode);
        }
    }
}
