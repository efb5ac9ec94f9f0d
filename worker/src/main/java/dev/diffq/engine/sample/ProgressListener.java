package dev.diffq.engine.sample;

/** Progress of a whole sampling run: model evaluations done of the total, over all batches. */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(long step, long total);

    ProgressListener NONE = (step, total) -> { };
}
