package dev.diffq.contract;

import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.TrainSpec;

import java.util.Map;
import java.util.Optional;

/** A coordinator's view of the world, fixed for the tests. */
final class FakeLookup implements Lookup {
    /** mnist-small, 10 classes, T = 1000. */
    static final String JOB = "job-1";
    /** unconditional model. */
    static final String UNCONDITIONAL = "job-uncond";
    /** T = 500. */
    static final String SHORT_SCHEDULE = "job-t500";
    /** rgb32 on a colour dataset, T = 30. */
    static final String COLOUR = "job-colour";
    /** has a checkpoint, but its training spec is not known to the lookup. */
    static final String OPAQUE = "job-opaque";

    private static final Map<String, TrainSpec> TRAINED = Map.of(
            JOB, TrainSpec.newBuilder().setDataset("mnist").build(),
            UNCONDITIONAL, TrainSpec.newBuilder().setDataset("mnist").setModel(ModelConfig.newBuilder().setNumClasses(0)).build(),
            SHORT_SCHEDULE, TrainSpec.newBuilder().setDataset("mnist").setTimesteps(500).build(),
            COLOUR, TrainSpec.newBuilder().setDataset("upload:flowers").setModel(ModelConfig.newBuilder().setPreset("rgb32"))
                    .setTimesteps(30).build());

    private static final Map<String, ImageInfo> UPLOADS = Map.of(
            "u-img", new ImageInfo(28, 28, 1),
            "u-mask", new ImageInfo(28, 28, 1),
            "u-big", new ImageInfo(32, 32, 3));

    private static final Map<String, Integer> DATASETS = Map.of("flowers", 2, "many", 12);

    @Override
    public boolean jobHasCheckpoint(String jobId) {
        return TRAINED.containsKey(jobId) || jobId.equals(OPAQUE);
    }

    @Override
    public Optional<ImageInfo> upload(String id) {
        return Optional.ofNullable(UPLOADS.get(id));
    }

    @Override
    public Optional<Integer> datasetClasses(String name) {
        return Optional.ofNullable(DATASETS.get(name));
    }

    @Override
    public Optional<TrainSpec> checkpointTrainSpec(String jobId) {
        return Optional.ofNullable(TRAINED.get(jobId));
    }
}
