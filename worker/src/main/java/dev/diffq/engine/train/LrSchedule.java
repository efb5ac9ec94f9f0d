package dev.diffq.engine.train;

/**
 * The learning rate of optimizer step {@code s} (0-based): linear warm-up from {@code lr / W} to {@code lr} over the
 * first W steps, then constant, cosine (towards 0 at {@code totalSteps}) or exponential (towards 1% of the peak).
 * A run bounded only by time ({@code totalSteps} = 0, {@code totalSeconds} > 0) decays over its training time instead,
 * since its number of steps is not known in advance.
 */
public final class LrSchedule {

    /** Where the exponential decay ends, relative to the peak. */
    public static final double EXPONENTIAL_FINAL_RATIO = 0.01;

    private final double peak;
    private final int warmup;
    private final long total;
    private final String decay;
    private final double totalSeconds;

    public LrSchedule(double peak, int warmupSteps, long totalSteps, String decay) {
        this(peak, warmupSteps, totalSteps, 0, decay);
    }

    public LrSchedule(double peak, int warmupSteps, long totalSteps, double totalSeconds, String decay) {
        this.peak = peak;
        this.warmup = warmupSteps;
        this.total = totalSteps;
        this.totalSeconds = totalSteps > 0 ? 0 : totalSeconds;
        this.decay = decay;
        if (!decay.equals("constant") && totalSteps <= 0 && !(totalSeconds > 0)) {
            throw new IllegalArgumentException("lr_decay " + decay + " needs a positive number of steps or minutes");
        }
    }

    public static LrSchedule of(TrainConfig c) {
        return new LrSchedule(c.learningRate(), c.warmupSteps(), c.steps(), c.maxMinutes() * 60, c.lrDecay());
    }

    /** Whether the decay follows training time rather than steps. */
    public boolean byTime() {
        return totalSeconds > 0;
    }

    public double at(long step) {
        return at(step, 0);
    }

    /**
     * @param trainingSeconds training time so far; used only by a time-bounded schedule, whose decay starts when the
     *                        warm-up ends and reaches its end at {@code totalSeconds}
     */
    public double at(long step, double trainingSeconds) {
        if (warmup > 0 && step < warmup) {
            return peak * (step + 1) / warmup;
        }
        if (decay.equals("constant")) {
            return peak;
        }
        double progress;
        if (byTime()) {
            progress = Math.min(1.0, Math.max(0.0, trainingSeconds / totalSeconds));
        } else {
            double span = Math.max(1, total - warmup);
            progress = Math.min(1.0, Math.max(0.0, (step - warmup) / span));
        }
        return switch (decay) {
            case "cosine" -> peak * 0.5 * (1 + Math.cos(Math.PI * progress));
            case "exponential" -> peak * Math.pow(EXPONENTIAL_FINAL_RATIO, progress);
            default -> throw new IllegalArgumentException("lr_decay: unknown '" + decay + "'");
        };
    }
}
