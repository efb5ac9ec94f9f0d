package dev.diffq.contract;

/**
 * What one installation allows a job to ask for. The defaults suit a small fleet; an operator raises them
 * in the coordinator's configuration. Exceeding {@code maxImagesPerJob} is reported as too large (HTTP 413).
 */
public record Limits(
        int maxImagesPerJob,
        int maxSteps,
        float maxMinutes,
        long maxUploadBytes,
        long maxDatasetBytes,
        int maxBatchSize,
        int maxShardSize,
        int maxNameLength,
        int maxAttempts,
        int maxImageSize,
        int maxTimesteps) {

    public static final int DEFAULT_MAX_IMAGES_PER_JOB = 10_000;
    public static final int DEFAULT_MAX_STEPS = 1_000_000;
    public static final float DEFAULT_MAX_MINUTES = 7 * 24 * 60;
    public static final long DEFAULT_MAX_UPLOAD_BYTES = 8L << 20;
    public static final long DEFAULT_MAX_DATASET_BYTES = 256L << 20;

    public Limits {
        if (maxImagesPerJob < 1 || maxSteps < 1 || !(maxMinutes > 0) || maxUploadBytes < 1 || maxDatasetBytes < 1
                || maxBatchSize < 1 || maxShardSize < 1 || maxNameLength < 1 || maxAttempts < 1 || maxImageSize < 8
                || maxTimesteps < 10) {
            throw new IllegalArgumentException("every limit must be positive (image size at least 8, timesteps at least 10): " + this);
        }
    }

    public static Limits defaults() {
        return new Limits(DEFAULT_MAX_IMAGES_PER_JOB, DEFAULT_MAX_STEPS, DEFAULT_MAX_MINUTES, DEFAULT_MAX_UPLOAD_BYTES,
                DEFAULT_MAX_DATASET_BYTES, 4096, 1024, 100, 10, 256, 10_000);
    }

    public Limits withMaxImagesPerJob(int n) {
        return new Limits(n, maxSteps, maxMinutes, maxUploadBytes, maxDatasetBytes, maxBatchSize, maxShardSize,
                maxNameLength, maxAttempts, maxImageSize, maxTimesteps);
    }

    public Limits withMaxSteps(int n) {
        return new Limits(maxImagesPerJob, n, maxMinutes, maxUploadBytes, maxDatasetBytes, maxBatchSize, maxShardSize,
                maxNameLength, maxAttempts, maxImageSize, maxTimesteps);
    }
}
