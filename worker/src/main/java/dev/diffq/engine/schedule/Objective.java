package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;

import java.util.Locale;

/**
 * What the model predicts. With x_t = a x0 + s eps (a = sqrt(alphaBar_t), s = sqrt(1 - alphaBar_t)):
 * {@code EPS} predicts eps; {@code V} predicts v = a eps - s x0 (Salimans and Ho 2022), from which
 * eps = a v + s x_t and x0 = a x_t - s v.
 */
public enum Objective {
    EPS,
    V;

    public static Objective parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "eps", "epsilon" -> { return EPS; }
                case "v" -> { return V; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("unknown objective '" + s + "': choose one of eps, v");
    }

    /** The regression target for the model: eps itself, or v. */
    public NDArray target(NoiseSchedule s, NDArray x0, NDArray noise, NDArray t) {
        if (this == EPS) {
            return noise;
        }
        NDArray ab = NoiseSchedule.broadcastable(s.alphaBarAt(t), x0);
        return noise.mul(ab.sqrt()).sub(x0.mul(ab.neg().add(1f).sqrt()));
    }

    /** The noise estimate implied by the model output. */
    public NDArray toEps(NoiseSchedule s, NDArray xt, NDArray modelOut, NDArray t) {
        if (this == EPS) {
            return modelOut;
        }
        NDArray ab = NoiseSchedule.broadcastable(s.alphaBarAt(t), xt);
        return modelOut.mul(ab.sqrt()).add(xt.mul(ab.neg().add(1f).sqrt()));
    }

    /** The clean-image estimate implied by the model output. */
    public NDArray toX0(NoiseSchedule s, NDArray xt, NDArray modelOut, NDArray t) {
        NDArray ab = NoiseSchedule.broadcastable(s.alphaBarAt(t), xt);
        NDArray a = ab.sqrt();
        NDArray sigma = ab.neg().add(1f).sqrt();
        if (this == EPS) {
            return xt.sub(modelOut.mul(sigma)).div(a);
        }
        return xt.mul(a).sub(modelOut.mul(sigma));
    }

    /** Inverse of {@link #toEps}: the model output that corresponds to a noise estimate at x_t. */
    public NDArray fromEps(NoiseSchedule s, NDArray xt, NDArray eps, NDArray t) {
        if (this == EPS) {
            return eps;
        }
        // v = a eps - s x0 with x0 = (x_t - s eps)/a  =>  v = (eps - s x_t)/a
        NDArray ab = NoiseSchedule.broadcastable(s.alphaBarAt(t), xt);
        return eps.sub(xt.mul(ab.neg().add(1f).sqrt())).div(ab.sqrt());
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
