package dev.diffq.engine.sample;

import java.util.Locale;

/**
 * Which of the T training timesteps a sampler with fewer steps visits (Lin et al. 2023, table 2).
 * LEADING: 0, k, 2k, ... with k = T / steps (ends at t = 0, starts well below T - 1).
 * TRAILING: round(T - i T / steps) - 1 (starts at T - 1, the step the model saw pure noise at).
 * Both return timesteps in descending order; every sampler finishes with one move to clean data.
 */
public enum TimestepSpacing {
    LEADING,
    TRAILING;

    public static TimestepSpacing parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "leading" -> { return LEADING; }
                case "trailing" -> { return TRAILING; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("unknown spacing '" + s + "': choose one of leading, trailing");
    }

    public int[] timesteps(int trainSteps, int steps) {
        if (steps < 1 || steps > trainSteps) {
            throw new IllegalArgumentException("steps must be in [1, " + trainSteps + "] (the schedule's timesteps), got " + steps);
        }
        int[] out = new int[steps];
        if (this == LEADING) {
            int ratio = trainSteps / steps;
            for (int i = 0; i < steps; i++) {
                out[i] = (steps - 1 - i) * ratio;
            }
        } else {
            double ratio = (double) trainSteps / steps;
            for (int i = 0; i < steps; i++) {
                out[i] = (int) Math.round(trainSteps - i * ratio) - 1;
            }
        }
        return out;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
