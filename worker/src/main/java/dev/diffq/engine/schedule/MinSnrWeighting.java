package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;

/**
 * Min-SNR-gamma loss weights (Hang et al. 2023): clamp the per-timestep weight of the x0-equivalent
 * loss at gamma so low-noise steps do not dominate. Expressed for the objective actually trained:
 * eps: min(snr, gamma) / snr; v: min(snr, gamma) / (snr + 1). gamma <= 0 turns weighting off (ones).
 */
public final class MinSnrWeighting {

    private MinSnrWeighting() {
    }

    public static NDArray weights(NoiseSchedule s, NDArray t, double gamma, Objective obj) {
        if (gamma <= 0) {
            return s.perTimestep(t, step -> 1.0);
        }
        return s.perTimestep(t, step -> weight(s.snr(step), gamma, obj));
    }

    public static double weight(double snr, double gamma, Objective obj) {
        if (gamma <= 0) {
            return 1.0;
        }
        double clamped = Math.min(snr, gamma);
        return obj == Objective.V ? clamped / (snr + 1.0) : clamped / snr;
    }
}
