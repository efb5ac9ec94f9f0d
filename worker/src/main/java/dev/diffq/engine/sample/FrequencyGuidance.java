package dev.diffq.engine.sample;

/**
 * Classifier-free guidance split by spatial frequency (after Sadat et al. 2025, "Guidance in the frequency domain
 * enables high-fidelity sampling at low CFG scales"): the low-pass part of the guidance direction eps_c - eps_u
 * (a Gaussian blur of {@code lowPassSigma} pixels) gets the guidance weight w, the rest gets {@code highWeight}:
 * <pre>eps = eps_c + (w - 1) low(eps_c - eps_u) + (highWeight - 1) high(eps_c - eps_u)</pre>
 * With highWeight = w that is plain guidance; with the default highWeight = 1 the fine detail comes from the
 * conditional estimate alone, while the coarse shape that decides the class is still guided.
 *
 * <p>Why: guidance exaggerates the samples, which is most of its cost in Fréchet distance
 * (docs/BENCHMARKS.md, "Guidance options"). With a {@link GuidanceInterval}, the interval decides the low-pass
 * weight (w inside, its outside weight elsewhere) and the detail takes {@code highWeight} at every step.
 *
 * @param lowPassSigma Gaussian sigma of the low-pass, in pixels; 0 = off (plain guidance)
 * @param highWeight   the guidance weight of the high-pass part (1 = the conditional estimate's detail)
 */
public record FrequencyGuidance(double lowPassSigma, double highWeight) {

    /** Plain guidance: every frequency gets the guidance weight. */
    public static final FrequencyGuidance OFF = new FrequencyGuidance(0, 1);

    public FrequencyGuidance {
        if (!(lowPassSigma >= 0 && Double.isFinite(lowPassSigma))) {
            throw new IllegalArgumentException("guidance low-pass sigma must be >= 0 pixels (0 = off), got " + lowPassSigma);
        }
        if (!Double.isFinite(highWeight)) {
            throw new IllegalArgumentException("guidance weight of the high frequencies must be a finite number, got "
                    + highWeight);
        }
    }

    /** The conditional estimate's detail above a low-pass of {@code sigma} pixels. */
    public static FrequencyGuidance lowPass(double sigma) {
        return new FrequencyGuidance(sigma, 1);
    }

    public boolean active() {
        return lowPassSigma > 0;
    }

    @Override
    public String toString() {
        return active() ? "low-pass " + lowPassSigma + " px, w " + highWeight + " above it" : "off";
    }
}
