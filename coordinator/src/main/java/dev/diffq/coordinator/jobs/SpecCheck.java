package dev.diffq.coordinator.jobs;

import java.util.ArrayList;
import java.util.List;

import dev.diffq.proto.JobSpec;
import dev.diffq.proto.SampleSpec;

/**
 * Normalization and validation of a job spec. TEMPORARY minimal rules: the real ones are
 * dev.diffq.contract.SpecDefaults / SpecValidator in the proto module, which replace these once merged.
 */
public final class SpecCheck {
    private SpecCheck() {}

    public static JobSpec normalize(JobSpec spec) {
        return spec;
    }

    public static List<FieldViolation> validate(JobSpec spec, JobLookup lookup) {
        List<FieldViolation> v = new ArrayList<>();
        switch (spec.getKindCase()) {
            case TRAIN -> {
                var t = spec.getTrain();
                if (t.getDataset().isEmpty()) {
                    v.add(new FieldViolation("train.dataset", "is required"));
                } else if (t.getDataset().startsWith("upload:")
                        && !lookup.datasetExists(t.getDataset().substring("upload:".length()))) {
                    v.add(new FieldViolation("train.dataset", "no uploaded dataset of that name"));
                }
                if (t.hasBatchSize() && (t.getBatchSize() < 1 || t.getBatchSize() > 4096)) {
                    v.add(new FieldViolation("train.batch_size", "must be between 1 and 4096"));
                }
                if (t.hasSteps() && t.getSteps() < 1) {
                    v.add(new FieldViolation("train.steps", "must be at least 1"));
                }
            }
            case SAMPLE -> {
                SampleSpec s = spec.getSample();
                if (s.getCheckpointJob().isEmpty()) {
                    v.add(new FieldViolation("sample.checkpoint_job", "is required"));
                } else if (lookup.jobState(s.getCheckpointJob()) == null) {
                    v.add(new FieldViolation("sample.checkpoint_job", "no such job"));
                }
                if (s.hasPerClass() && s.getPerClass() < 1) {
                    v.add(new FieldViolation("sample.per_class", "must be at least 1"));
                }
                if (s.hasShardSize() && s.getShardSize() < 1) {
                    v.add(new FieldViolation("sample.shard_size", "must be at least 1"));
                }
                if (s.hasInpaint() && !lookup.uploadExists(s.getInpaint().getImage())) {
                    v.add(new FieldViolation("sample.inpaint.image", "no such upload"));
                }
            }
            default -> v.add(new FieldViolation("kind", "one of train or sample is required"));
        }
        if (spec.hasMaxAttempts() && spec.getMaxAttempts() < 1) {
            v.add(new FieldViolation("max_attempts", "must be at least 1"));
        }
        return v;
    }
}
