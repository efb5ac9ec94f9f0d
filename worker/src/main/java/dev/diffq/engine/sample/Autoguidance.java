package dev.diffq.engine.sample;

import dev.diffq.engine.schedule.Objective;

/**
 * Autoguidance (Karras et al. 2024, "Guiding a diffusion model with a bad version of itself"): the estimate is pushed
 * away from a weaker model of the same data, given the same input and class,
 * <pre>eps = eps_main + (weight - 1) (eps_main - eps_guide)</pre>
 * on top of any classifier-free guidance. Where CFG's unconditional branch differs from the conditional one in
 * everything (class and quality), a weaker model of the same class differs mainly in what it gets wrong, so the push
 * sharpens the samples without exaggerating them (docs/BENCHMARKS.md, "Guidance options").
 *
 * <p>The guide must share the main model's noise schedule (the timestep means the same noise level to both), image
 * shape and classes; its architecture and objective may differ (the paper's guide is smaller and trained shorter).
 *
 * @param guide     the weaker model
 * @param objective what the guide's output means (eps or v)
 * @param weight    1 = off (the main model alone), &gt; 1 = guided away from the weaker model
 */
public record Autoguidance(Denoiser guide, Objective objective, double weight) {

    public Autoguidance {
        if (guide == null || objective == null) {
            throw new IllegalArgumentException("autoguidance needs a guide model and its objective");
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("guide weight must be a finite number, got " + weight);
        }
    }

    public boolean active() {
        return weight != 1;
    }
}
