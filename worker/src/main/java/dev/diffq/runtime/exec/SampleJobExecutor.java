package dev.diffq.runtime.exec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;

import dev.diffq.engine.CancelledException;
import dev.diffq.engine.CheckpointSampling;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.SampleResult;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.LoadedModel;
import dev.diffq.proto.JobRequest;
import dev.diffq.proto.SampleSpec;
import dev.diffq.runtime.job.ExecutionResult;
import dev.diffq.runtime.job.JobContext;
import dev.diffq.runtime.job.JobExecutor;
import dev.diffq.runtime.storage.LocalCheckpoint;

/**
 * Runs one shard of a sampling job: loads the training job's checkpoint (and, for autoguidance, its earlier guide
 * checkpoint; loaded models are kept in a small LRU), samples the shard's images and uploads them under
 * {@code samples/}. The coordinator composes the job's grid and result.json once every shard has succeeded.
 */
public final class SampleJobExecutor implements JobExecutor {
    static final int BATCH = 64;

    private final LoadedModels models;

    public SampleJobExecutor(int cachedModels) {
        // at least 2: an autoguided shard holds its model and its guide at once, and loading one must not close the other
        this.models = new LoadedModels(Math.max(2, cachedModels));
    }

    @Override
    public ExecutionResult execute(JobContext ctx) throws Exception {
        JobRequest request = ctx.request();
        SampleSpec spec = ctx.spec().getSample();
        LocalCheckpoint checkpoint = ctx.checkpointOf(spec.getCheckpointJob(),
                spec.hasCheckpointStep() ? OptionalLong.of(spec.getCheckpointStep()) : OptionalLong.empty());
        Path image = null;
        Path mask = null;
        switch (spec.getModeCase()) {
            case INPAINT -> {
                image = ctx.input(spec.getInpaint().getImage());
                mask = ctx.input(spec.getInpaint().getMask());
            }
            case IMG2IMG -> image = ctx.input(spec.getImg2Img().getImage());
            default -> { }
        }
        var range = SpecMapping.shard(spec, request.getShardIndex(), Math.max(1, request.getShardCount()));
        SampleRequest sample = SpecMapping.sample(spec, Seeds.of(ctx), range, image, mask, BATCH);
        var device = DiffusionTrainer.resolveDevice(ctx.device());
        LoadedModel model = models.get(checkpoint.dir(), spec.getUseEma(),
                () -> Checkpoint.load(checkpoint.dir(), spec.getUseEma(), device));
        LoadedModel guide = null;
        if (spec.getGuideCheckpointStep() > 0) {
            LocalCheckpoint g = ctx.checkpointOf(spec.getCheckpointJob(), OptionalLong.of(spec.getGuideCheckpointStep()));
            guide = models.get(g.dir(), true, () -> Checkpoint.load(g.dir(), true, device));
        }
        Path out = ctx.workDir().resolve("samples");
        long started = System.nanoTime();
        SampleResult result;
        try {
            result = CheckpointSampling.run(model, guide, sample, out, (step, total) -> {
                double secs = (System.nanoTime() - started) / 1e9;
                double frac = total > 0 ? (double) step / total : 0;
                double ips = secs > 0 ? frac * range.size() / secs : 0;
                ctx.progress(step, total, 0, ips, frac > 0 ? secs * (1 - frac) / frac : 0, "sampling");
            }, ctx::shouldStop);
        } catch (CancelledException e) {
            return ExecutionResult.stopped();
        }
        for (SampleResult.GeneratedImage img : result.images()) {
            ctx.artifact(img.file(), "samples/" + img.file().getFileName(), "image");
        }
        int shard = request.getShardIndex();
        ctx.artifact(result.grid(), "samples/grid-shard-" + shard + ".png", "grid");
        if (result.trajectoryGif() != null) {
            ctx.artifact(result.trajectoryGif(), "samples/trajectory-shard-" + shard + ".gif", "gif");
        }
        for (Path extra : result.extraFiles()) {
            String name = extra.getFileName().toString();
            int dot = name.lastIndexOf('.');
            ctx.artifact(extra, "samples/" + name.substring(0, dot) + "-shard-" + shard + name.substring(dot), "image");
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("images", result.images().size());
        summary.put("first_image", range.first());
        summary.put("checkpoint_step", model.step());
        if (guide != null) {
            summary.put("guide_checkpoint_step", guide.step());
        }
        summary.put("model_evaluations", result.modelEvaluations());
        summary.put("seconds", result.elapsedMillis() / 1000.0);
        return ExecutionResult.completed(summary);
    }
}
