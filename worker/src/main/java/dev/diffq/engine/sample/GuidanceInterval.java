package dev.diffq.engine.sample;

import dev.diffq.contract.SigmaInterval;

import java.util.OptionalDouble;

/**
 * The noise levels at which classifier-free guidance is applied (Kynkäänniemi et al. 2024, "Applying guidance
 * in a limited interval improves sample and distribution quality in diffusion models"). Noise level is
 * sigma = sqrt((1 - alpha_bar) / alpha_bar) = 1 / sqrt(snr), so the interval means the same thing whatever the schedule.
 * Outside the interval the step uses {@code outsideWeight}: by default 1, the conditional estimate alone, which also
 * halves its batch; a weight between 1 and the guidance weight keeps some guidance at the levels where it costs the
 * most variety.
 *
 * <p>{@code belowWeight}, when set, replaces that weight at the steps below the interval (sigma &lt;= sigmaMin), and
 * there it applies to every frequency (a {@link FrequencyGuidance}'s high weight too). 0 takes the unconditional
 * estimate for the last, cleanest steps, where guidance mostly sharpens strokes the class has already decided.
 *
 * <p>Why: guidance at the highest noise levels is what collapses the variety of the samples towards a few
 * prototypes per class; at the lowest it does next to nothing (docs/BENCHMARKS.md, "Guidance options").
 *
 * @param sigmaMin guidance applies where sigma &gt; sigmaMin (0 = from the cleanest step)
 * @param sigmaMax guidance applies where sigma &lt;= sigmaMax (0 = no upper bound)
 * @param outsideWeight the guidance weight at the steps outside the interval (1 = the conditional estimate)
 * @param belowWeight   the weight of every frequency at the steps below the interval; empty = as at the other steps
 *                      outside it
 */
public record GuidanceInterval(double sigmaMin, double sigmaMax, double outsideWeight, OptionalDouble belowWeight) {

    /** Guidance at every step: the plain classifier-free guidance. */
    public static final GuidanceInterval ALWAYS = new GuidanceInterval(0, 0);

    /** The conditional estimate alone outside the interval. */
    public GuidanceInterval(double sigmaMin, double sigmaMax) {
        this(sigmaMin, sigmaMax, 1);
    }

    /** {@code outsideWeight} at every step outside the interval. */
    public GuidanceInterval(double sigmaMin, double sigmaMax, double outsideWeight) {
        this(sigmaMin, sigmaMax, outsideWeight, OptionalDouble.empty());
    }

    public GuidanceInterval {
        if (belowWeight.isPresent() && !Double.isFinite(belowWeight.getAsDouble())) {
            throw new IllegalArgumentException("guidance interval: the weight below it must be a finite number, got "
                    + belowWeight.getAsDouble());
        }
        if (belowWeight.isPresent() && sigmaMin == 0) {
            throw new IllegalArgumentException("guidance interval: a weight below it needs sigma min > 0 (no step lies "
                    + "below sigma 0)");
        }
        if (!Double.isFinite(outsideWeight)) {
            throw new IllegalArgumentException("guidance interval: the weight outside it must be a finite number, got "
                    + outsideWeight);
        }
        if (!(sigmaMin >= 0 && Double.isFinite(sigmaMin))) {
            throw new IllegalArgumentException("guidance interval: sigma min must be >= 0, got " + sigmaMin);
        }
        if (!(sigmaMax >= 0 && Double.isFinite(sigmaMax))) {
            throw new IllegalArgumentException("guidance interval: sigma max must be >= 0 (0 = no upper bound), got "
                    + sigmaMax);
        }
        if (sigmaMax > 0 && sigmaMax <= sigmaMin) {
            throw new IllegalArgumentException("guidance interval: sigma max (" + sigmaMax
                    + ") must be greater than sigma min (" + sigmaMin + ")");
        }
    }

    public boolean isAlways() {
        return sigmaMin == 0 && sigmaMax == 0;
    }

    /** Whether guidance applies at a step whose signal-to-noise ratio is {@code snr} (sigma = 1 / sqrt(snr)). */
    public boolean appliesAtSnr(double snr) {
        if (isAlways()) {
            return true;
        }
        double sigma = 1 / Math.sqrt(snr);
        return sigma > sigmaMin && (sigmaMax == 0 || sigma <= sigmaMax);
    }

    /** The weight of every frequency at a step of signal-to-noise ratio {@code snr}, if that step lies below the
     * interval and the interval sets a weight there; empty otherwise. */
    public OptionalDouble belowWeightAtSnr(double snr) {
        return belowWeight.isPresent() && 1 / Math.sqrt(snr) <= sigmaMin ? belowWeight : OptionalDouble.empty();
    }

    /** Parses "MIN,MAX" (either may be empty or 0 for no bound), e.g. "0,5.4" or ",5.4"; weight 1 outside. */
    public static GuidanceInterval parse(String text) {
        SigmaInterval i = SigmaInterval.parse(text);
        return new GuidanceInterval(i.min(), i.max());
    }

    /** The same interval with another weight outside it (below it too, unless {@link #withBelowWeight} set one). */
    public GuidanceInterval withOutsideWeight(double weight) {
        return new GuidanceInterval(sigmaMin, sigmaMax, weight, belowWeight);
    }

    /** The same interval with a weight of its own, for every frequency, at the steps below it. */
    public GuidanceInterval withBelowWeight(double weight) {
        return new GuidanceInterval(sigmaMin, sigmaMax, outsideWeight, OptionalDouble.of(weight));
    }

    @Override
    public String toString() {
        return isAlways() ? "always" : "(" + sigmaMin + ", " + (sigmaMax == 0 ? "inf" : sigmaMax) + "]"
                + (outsideWeight == 1 ? "" : ", w " + outsideWeight + " outside")
                + (belowWeight.isPresent() ? ", w " + belowWeight.getAsDouble() + " below" : "");
    }
}
