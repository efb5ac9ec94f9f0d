package dev.diffq.runtime.exec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

import ai.djl.nn.Block;
import dev.diffq.engine.TrainingGrid;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.engine.train.TrainListener;
import dev.diffq.engine.train.TrainResult;
import dev.diffq.proto.TrainSpec;
import dev.diffq.runtime.job.ExecutionResult;
import dev.diffq.runtime.job.JobContext;
import dev.diffq.runtime.job.JobExecutor;

/**
 * Runs a training job on the engine: resumes from the job's latest checkpoint in S3, uploads every checkpoint the
 * trainer writes (so a redelivered job continues where this one stopped), the metrics and the sample grids.
 */
public final class TrainJobExecutor implements JobExecutor {
    @Override
    public ExecutionResult execute(JobContext ctx) throws Exception {
        TrainSpec spec = ctx.spec().getTrain();
        String dataset = spec.getDataset();
        if (dataset.startsWith("upload:")) {
            dataset = ctx.dataset(dataset.substring("upload:".length())).toString();
        }
        TrainConfig mapped = SpecMapping.train(spec, dataset, Seeds.of(ctx), ctx.device());
        Path out = ctx.workDir().resolve("run");
        Path root = out.resolve(Checkpoint.ROOT_NAME);
        Files.createDirectories(root);
        var resume = ctx.resumeCheckpoint();
        if (resume.isPresent()) {
            copyTree(resume.get().dir(), root.resolve("step-" + resume.get().step()));
        }
        // A spec names no optimizer: a job resumed after a deploy changed the default keeps the one it started with.
        TrainConfig config = resume.isEmpty() ? mapped
                : mapped.toBuilder().optimizer(Checkpoint.readConfig(resume.get().dir()).optimizer()).build();
        Path metrics = out.resolve("metrics.jsonl");
        Path[] lastGrid = new Path[1];
        double[] lastProgress = new double[5]; // step, total, loss, images/s, eta
        TrainListener listener = new TrainListener() {
            @Override
            public void onProgress(long step, long total, double loss, double imagesPerSec, double etaSeconds) {
                ctx.progress(step, total, loss, imagesPerSec, etaSeconds, "training");
                lastProgress[0] = step;
                lastProgress[1] = total;
                lastProgress[2] = loss;
                lastProgress[3] = imagesPerSec;
            }

            @Override
            public void onCheckpoint(Path dir, long step) {
                try {
                    ctx.saveCheckpoint(step, dir);
                    if (Files.exists(metrics)) {
                        ctx.artifact(metrics, "metrics.jsonl", "metrics");
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("uploading checkpoint " + step + " failed: " + e.getMessage(), e);
                }
            }

            @Override
            public void onSampleGrid(long step, Block emaModel) {
                try {
                    lastGrid[0] = drawGrid(ctx, config, emaModel, step);
                } catch (IOException e) {
                    throw new UncheckedIOException("uploading the sample grid of step " + step + " failed", e);
                }
            }

            @Override
            public boolean isCancelled() {
                return ctx.shouldStop();
            }
        };
        TrainResult result = new DiffusionTrainer().train(config, out, listener);
        if (Files.exists(metrics)) {
            ctx.artifact(metrics, "metrics.jsonl", "metrics");
        }
        if (result.status() == TrainResult.Status.CANCELLED) {
            return ExecutionResult.stopped();
        }
        if (lastGrid[0] != null) {
            ctx.artifact(lastGrid[0], "samples/grid.png", "grid");
            // the grid reported its own progress: end on the training figures, which are what the job is about
            ctx.progress((long) lastProgress[0], (long) lastProgress[1], lastProgress[2], lastProgress[3], 0, "training");
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("status", result.status().name().toLowerCase());
        summary.put("steps", result.step());
        summary.put("resumed_from_step", result.resumedFromStep());
        summary.put("final_loss", Double.isFinite(result.finalLoss()) ? result.finalLoss() : null);
        summary.put("training_seconds", result.trainingSeconds());
        summary.put("images_seen", result.imagesSeen());
        summary.values().removeIf(v -> v == null);
        return ExecutionResult.completed(summary);
    }

    /** The training grid (see {@link TrainingGrid}), uploaded as samples/grid-step-<n>.png. */
    private static Path drawGrid(JobContext ctx, TrainConfig config, Block ema, long step) throws IOException {
        long started = System.nanoTime();
        Path grid = TrainingGrid.draw(ema, config, ctx.workDir().resolve("grids/step-" + step), (s, total) -> {
            double secs = (System.nanoTime() - started) / 1e9;
            ctx.progress(s, total, 0, 0, s > 0 ? secs * (total - s) / s : 0, "sample grid at step " + step);
        });
        ctx.artifact(grid, "samples/grid-step-" + step + ".png", "grid");
        return grid;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }
}
