package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import dev.diffq.engine.schedule.NoiseSchedule;

import java.util.function.Supplier;

/**
 * DDPM ancestral sampling (Ho et al. 2020): x_tPrev ~ q(x_tPrev | x_t, x0 = estimate), the posterior of
 * the forward process. With fewer steps than T it uses the respaced process between the visited
 * timesteps (beta' = 1 - alphaBar_t / alphaBar_tPrev, as in Nichol and Dhariwal 2021); with all T steps
 * the coefficients are exactly {@link NoiseSchedule#posteriorMeanCoefs} and {@link NoiseSchedule#posteriorVariance}.
 */
public final class DdpmSampler implements Sampler {

    private final NoiseSchedule schedule;

    public DdpmSampler(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "ddpm";
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    /** {coef_x0, coef_xt, variance} of the (respaced) posterior from t to tPrev. */
    public double[] posterior(int t, int tPrev) {
        double ab = alphaBar(t), abPrev = alphaBar(tPrev);
        double beta = 1.0 - ab / abPrev;
        return new double[] {
                Math.sqrt(abPrev) * beta / (1.0 - ab),
                Math.sqrt(1.0 - beta) * (1.0 - abPrev) / (1.0 - ab),
                beta * (1.0 - abPrev) / (1.0 - ab)
        };
    }

    @Override
    public NDArray step(NDArray xt, int t, int tPrev, Prediction pred, Supplier<NDArray> noise) {
        double[] p = posterior(t, tPrev);
        NDArray mean = pred.x0().mul((float) p[0]).add(xt.mul((float) p[1]));
        if (p[2] <= 0) {
            return mean;
        }
        return mean.add(noise.get().mul((float) Math.sqrt(p[2])));
    }
}
