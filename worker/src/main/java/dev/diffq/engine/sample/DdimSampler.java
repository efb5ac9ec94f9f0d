package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import dev.diffq.engine.schedule.NoiseSchedule;

import java.util.function.Supplier;

/**
 * DDIM (Song et al. 2021): x_tPrev = sqrt(ab') x0 + sqrt(1 - ab' - sigma^2) eps + sigma z with
 * sigma = eta sqrt((1 - ab') / (1 - ab)) sqrt(1 - ab / ab'). eta = 0 is deterministic (the probability
 * flow ODE, first order); eta = 1 matches DDPM's posterior variance.
 */
public final class DdimSampler implements Sampler {

    private final NoiseSchedule schedule;
    private final double eta;

    public DdimSampler(NoiseSchedule schedule, double eta) {
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("eta must be >= 0, got " + eta);
        }
        this.schedule = schedule;
        this.eta = eta;
    }

    @Override
    public String name() {
        return "ddim";
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    public double eta() {
        return eta;
    }

    public double sigma(int t, int tPrev) {
        double ab = alphaBar(t), abPrev = alphaBar(tPrev);
        return eta * Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
    }

    @Override
    public NDArray step(NDArray xt, int t, int tPrev, Prediction pred, Supplier<NDArray> noise) {
        double abPrev = alphaBar(tPrev);
        double sigma = sigma(t, tPrev);
        double dirCoef = Math.sqrt(Math.max(0.0, 1 - abPrev - sigma * sigma));
        NDArray x = pred.x0().mul((float) Math.sqrt(abPrev)).add(pred.eps().mul((float) dirCoef));
        if (sigma <= 0) {
            return x;
        }
        return x.add(noise.get().mul((float) sigma));
    }
}
