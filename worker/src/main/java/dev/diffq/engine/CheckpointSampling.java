package dev.diffq.engine;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import ai.djl.ndarray.NDManager;
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
        var cfg = model.config();
        try (NDManager manager = model.model().getNDManager().newSubManager()) {
            SamplingPipeline pipeline = new SamplingPipeline(new BlockDenoiser(model.block(), manager),
                    model.schedule(), model.objective(), model.nullClass(), cfg.inChannels(), cfg.imageSize());
            return pipeline.run(request, outDir, manager, progress, cancelled);
        }
    }
}
