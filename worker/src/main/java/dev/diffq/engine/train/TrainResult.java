package dev.diffq.engine.train;

import java.nio.file.Path;

/**
 * How a run ended.
 *
 * @param step             optimizer steps done in total (including those before a resume)
 * @param resumedFromStep  the checkpoint step this run started from, 0 for a fresh run
 * @param finalLoss        mean training loss over the last logging interval (NaN when no step ran)
 * @param checkpoint       the last complete checkpoint directory
 * @param trainingSeconds  training time in total, over all resumes
 */
public record TrainResult(Status status, long step, long resumedFromStep, double finalLoss, Path checkpoint,
                          double trainingSeconds, long imagesSeen) {

    public enum Status {
        /** Reached {@code steps}. */
        COMPLETED,
        /** Reached {@code maxMinutes}. */
        TIME_LIMIT,
        /** The listener asked to stop. */
        CANCELLED
    }
}
