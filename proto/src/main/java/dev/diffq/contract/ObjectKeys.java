package dev.diffq.contract;

import java.util.regex.Pattern;

/** Object layout in the bucket (docs/DESIGN.md, "Objects"). One place for every key. */
public final class ObjectKeys {
    private ObjectKeys() {}

    public static final String DEFAULT_BUCKET = "diffq";

    public static String jobPrefix(String jobId) {
        return "jobs/" + jobId + "/";
    }

    public static String spec(String jobId) {
        return jobPrefix(jobId) + "spec.json";
    }

    public static String result(String jobId) {
        return jobPrefix(jobId) + "result.json";
    }

    /** Per-shard completion marker of a sharded sampling job. */
    public static String shardResult(String jobId, int shard) {
        return jobPrefix(jobId) + "shards/" + shard + "/result.json";
    }

    public static String metrics(String jobId) {
        return jobPrefix(jobId) + "metrics.jsonl";
    }

    public static String checkpointPrefix(String jobId, long step) {
        return jobPrefix(jobId) + checkpointFolder(step);
    }

    /** A checkpoint's folder relative to its job's prefix: the name of its artifact. */
    public static String checkpointFolder(long step) {
        return "checkpoints/step-" + step + "/";
    }

    /** A file of a checkpoint, relative to its job's prefix: group 1 the step, group 2 the file within the folder. */
    public static final Pattern CHECKPOINT_FILE = Pattern.compile("checkpoints/step-(\\d+)/(.+)");

    public static String latestCheckpoint(String jobId) {
        return jobPrefix(jobId) + "checkpoints/latest.json";
    }

    public static String samples(String jobId) {
        return jobPrefix(jobId) + "samples/";
    }

    public static String input(String uploadId) {
        return "inputs/" + uploadId + ".png";
    }

    public static String dataset(String name) {
        return "datasets/" + name + "/";
    }
}
