package dev.diffq.coordinator.jobs;

import dev.diffq.proto.JobSpec;

/** The two kinds of job, as the list filter {@code kind=train|sample} names them. */
public enum JobKind {
    TRAIN, SAMPLE;

    public static JobKind of(JobSpec spec) {
        return switch (spec.getKindCase()) {
            case TRAIN -> TRAIN;
            case SAMPLE -> SAMPLE;
            default -> null;
        };
    }

    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the kind for {@code train} or {@code sample}, else null */
    public static JobKind parse(String s) {
        for (JobKind k : values()) {
            if (k.wireName().equals(s)) {
                return k;
            }
        }
        return null;
    }
}
