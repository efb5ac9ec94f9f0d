package dev.diffq.contract;

import dev.diffq.proto.SampleSpec;

import java.util.Locale;

/**
 * A named sampling setting measured for one kind of data: sampler, steps and where and how hard classifier-free
 * guidance pushes. A sampling request that leaves a field unset gets the profile's value; every field stays
 * overridable. The table is {@link SamplingProfiles}.
 *
 * @param name              "fast" or "best"
 * @param data              the kind of data it was measured on ({@link SamplingProfiles#dataKind})
 * @param sampler           ddim | dpmpp-2m | ddpm
 * @param steps             sampler steps
 * @param guidance          classifier-free guidance weight inside the interval
 * @param guidanceSigmaMin  guidance only where sigma is above this (0 = no lower bound)
 * @param guidanceSigmaMax  ... and at most this (0 = no upper bound); both 0: every step
 * @param guidanceLowpassSigma guide only the Gaussian low-pass (pixels) of the guidance direction; 0 = plain guidance
 */
public record SamplingProfile(String name, String data, String sampler, int steps, float guidance,
                              float guidanceSigmaMin, float guidanceSigmaMax, float guidanceLowpassSigma) {

    /** The setting a normalized sampling spec ended with: its profile's name and the values it runs with. */
    public static SamplingProfile of(SampleSpec s) {
        return new SamplingProfile(s.getProfile(), "", s.getSampler(), s.getSteps(), s.getGuidance(),
                s.getGuidanceSigmaMin(), s.getGuidanceSigmaMax(), s.getGuidanceLowpassSigma());
    }

    /**
     * Fills the fields of {@code b} that the request left unset, and records the profile's name.
     *
     * @param timesteps the model's training timesteps, which bound the steps (0 = unknown)
     */
    public SampleSpec.Builder fillUnset(SampleSpec.Builder b, int timesteps) {
        b.setProfile(name);
        if (!b.hasSampler() || b.getSampler().isBlank()) b.setSampler(sampler);
        if (!b.hasSteps() && b.getSampler().trim().toLowerCase(Locale.ROOT).equals(sampler)) {
            // steps belong to the sampler: a request naming another sampler gets that sampler's default
            b.setSteps(timesteps > 0 ? Math.min(steps, timesteps) : steps);
        }
        if (!b.hasGuidance()) b.setGuidance(guidance);
        if (!b.hasGuidanceSigmaMin() && !b.hasGuidanceSigmaMax()) {
            b.setGuidanceSigmaMin(guidanceSigmaMin).setGuidanceSigmaMax(guidanceSigmaMax);
        }
        if (!b.hasGuidanceLowpassSigma()) b.setGuidanceLowpassSigma(guidanceLowpassSigma);
        return b;
    }

    /** One line for people: "fast (dpmpp-2m, 20 steps, guidance 3 at 1 < sigma <= 4.9, low-pass 1.5 px)". */
    public String describe() {
        StringBuilder sb = new StringBuilder(name).append(" (").append(sampler).append(", ").append(steps)
                .append(" steps, guidance ").append(fmt(guidance));
        if (guidanceSigmaMin > 0 || guidanceSigmaMax > 0) {
            sb.append(" at ").append(fmt(guidanceSigmaMin)).append(" < sigma");
            if (guidanceSigmaMax > 0) {
                sb.append(" <= ").append(fmt(guidanceSigmaMax));
            }
        }
        if (guidanceLowpassSigma > 0) {
            sb.append(", low-pass ").append(fmt(guidanceLowpassSigma)).append(" px");
        }
        return sb.append(')').toString();
    }

    private static String fmt(float v) {
        return v == Math.rint(v) ? Integer.toString((int) v) : Float.toString(v);
    }
}
