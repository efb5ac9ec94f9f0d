package dev.diffq.runtime;

import java.util.Locale;
import java.util.Optional;

import dev.diffq.contract.Topics;
import dev.diffq.proto.JobSpec;

/** The two kinds of work a worker serves, each with its own topics and consumer group. */
public enum JobKind {
    TRAIN("train", Topics.TRAIN, Topics.TRAIN_HIGH, "diffq-workers-train"),
    SAMPLE("sample", Topics.SAMPLE, Topics.SAMPLE_HIGH, "diffq-workers-sample");

    private final String label;
    private final String topic;
    private final String highTopic;
    private final String group;

    JobKind(String label, String topic, String highTopic, String group) {
        this.label = label;
        this.topic = topic;
        this.highTopic = highTopic;
        this.group = group;
    }

    public String label() {
        return label;
    }

    /** Normal-priority request topic. */
    public String topic() {
        return topic;
    }

    /** High-priority request topic: always drained first. */
    public String highTopic() {
        return highTopic;
    }

    public String group() {
        return group;
    }

    /** The kind a spec asks for, or empty when the spec sets neither train nor sample. */
    public static Optional<JobKind> of(JobSpec spec) {
        return switch (spec.getKindCase()) {
            case TRAIN -> Optional.of(TRAIN);
            case SAMPLE -> Optional.of(SAMPLE);
            default -> Optional.empty();
        };
    }

    /** "train" or "sample" (case-insensitive). */
    public static JobKind parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (JobKind k : values()) {
            if (k.label.equals(v)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown job kind '" + s + "': expected train or sample");
    }
}
