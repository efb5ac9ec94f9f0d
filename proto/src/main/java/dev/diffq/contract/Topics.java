package dev.diffq.contract;

import java.util.List;
import java.util.Map;

/** Kafka topic names and default partition counts (docs/DESIGN.md, "Topics"). */
public final class Topics {
    private Topics() {}

    public static final String TRAIN = "diffq.requests.train";
    public static final String TRAIN_HIGH = "diffq.requests.train.high";
    public static final String SAMPLE = "diffq.requests.sample";
    public static final String SAMPLE_HIGH = "diffq.requests.sample.high";
    public static final String EVENTS = "diffq.events";
    public static final String JOBS = "diffq.jobs";
    public static final String CONTROL = "diffq.control";
    public static final String DLQ = "diffq.requests.dlq";

    /** Headers on a DLQ record. */
    public static final String HEADER_REASON = "diffq-reason";
    public static final String HEADER_ATTEMPTS = "diffq-attempts";

    /** Default partition counts: they bound how many workers of a kind run at once. */
    public static Map<String, Integer> defaults(int requestPartitions) {
        return Map.of(
                TRAIN, requestPartitions,
                TRAIN_HIGH, requestPartitions,
                SAMPLE, requestPartitions,
                SAMPLE_HIGH, requestPartitions,
                EVENTS, 4,
                JOBS, 4,
                CONTROL, 1,
                DLQ, 1);
    }

    public static List<String> compacted() {
        return List.of(JOBS);
    }
}
