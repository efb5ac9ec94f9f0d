package dev.diffq.engine.eval;

/**
 * How the evaluation classifier is trained: AdamW with a short linear warm-up and cosine decay to zero, over whole
 * epochs of a seeded shuffle; optional random shifts of up to {@code maxShift} pixels as augmentation.
 */
public record ClassifierTrainingOptions(int epochs, long seed, int batchSize, double learningRate, double weightDecay,
                                        float dropout, int maxShift, int warmupSteps) {

    public static final int DEFAULT_EPOCHS = 5;
    public static final long DEFAULT_SEED = 1;

    public static ClassifierTrainingOptions defaults() {
        return new ClassifierTrainingOptions(DEFAULT_EPOCHS, DEFAULT_SEED, 128, 2e-3, 1e-4, 0.3f, 1, 100);
    }

    public ClassifierTrainingOptions withEpochs(int e) {
        return new ClassifierTrainingOptions(e, seed, batchSize, learningRate, weightDecay, dropout, maxShift, warmupSteps);
    }

    public ClassifierTrainingOptions withSeed(long s) {
        return new ClassifierTrainingOptions(epochs, s, batchSize, learningRate, weightDecay, dropout, maxShift, warmupSteps);
    }

    public ClassifierTrainingOptions withBatchSize(int b) {
        return new ClassifierTrainingOptions(epochs, seed, b, learningRate, weightDecay, dropout, maxShift, warmupSteps);
    }

    public ClassifierTrainingOptions withMaxShift(int m) {
        return new ClassifierTrainingOptions(epochs, seed, batchSize, learningRate, weightDecay, dropout, m, warmupSteps);
    }

    public ClassifierTrainingOptions withWarmupSteps(int w) {
        return new ClassifierTrainingOptions(epochs, seed, batchSize, learningRate, weightDecay, dropout, maxShift, w);
    }

    public ClassifierTrainingOptions withLearningRate(double lr) {
        return new ClassifierTrainingOptions(epochs, seed, batchSize, lr, weightDecay, dropout, maxShift, warmupSteps);
    }

    /** Throws naming the first field that breaks its rule. */
    public ClassifierTrainingOptions validate() {
        if (epochs < 1 || epochs > 100) {
            throw new IllegalArgumentException("epochs must be between 1 and 100, got " + epochs);
        }
        if (batchSize < 1 || batchSize > 4096) {
            throw new IllegalArgumentException("batch_size must be between 1 and 4096, got " + batchSize);
        }
        if (!(learningRate > 0) || learningRate > 1) {
            throw new IllegalArgumentException("learning_rate must be in (0, 1], got " + learningRate);
        }
        if (!(weightDecay >= 0) || weightDecay > 1) {
            throw new IllegalArgumentException("weight_decay must be in [0, 1], got " + weightDecay);
        }
        if (!(dropout >= 0) || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        if (maxShift < 0 || maxShift > 4) {
            throw new IllegalArgumentException("max_shift must be between 0 and 4 pixels, got " + maxShift);
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmup_steps must not be negative, got " + warmupSteps);
        }
        return this;
    }
}
