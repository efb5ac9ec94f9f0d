package dev.diffq.contract;

import dev.diffq.proto.TrainSpec;

import java.util.Optional;

/**
 * What the validator asks of the world outside the spec: the coordinator answers from its job table and
 * the object store. An empty answer means "does not exist".
 */
public interface Lookup {

    /** Whether the job exists and has at least one complete checkpoint to sample from. */
    boolean jobHasCheckpoint(String jobId);

    /** An uploaded image or mask ({@code inputs/<id>.png}). */
    Optional<ImageInfo> upload(String id);

    /** Number of classes of an uploaded dataset ({@code datasets/<name>/}); {@code name} is without {@code upload:}. */
    Optional<Integer> datasetClasses(String name);

    /**
     * The training spec of a checkpointed job, where known, so a sampling job can be checked against the
     * model it will load (image size, classes, timesteps). Empty when unknown: those checks are skipped.
     */
    default Optional<TrainSpec> checkpointTrainSpec(String jobId) {
        return Optional.empty();
    }
}
