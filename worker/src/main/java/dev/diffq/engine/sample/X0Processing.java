package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * What happens to the clean-image estimate before a sampler uses it: nothing, clipping to [-1, 1],
 * or dynamic thresholding (Saharia et al. 2022, Imagen): per sample, s = the given percentile of |x0|,
 * s = max(s, 1), x0 = clip(x0, -s, s) / s. Thresholding takes precedence over clipping (it ends in
 * [-1, 1] as well).
 */
public record X0Processing(boolean clip, double dynamicThresholdPercentile) {

    public static final X0Processing NONE = new X0Processing(false, 0);
    public static final X0Processing CLIP = new X0Processing(true, 0);

    public X0Processing {
        if (!(dynamicThresholdPercentile >= 0 && dynamicThresholdPercentile < 1)) {
            throw new IllegalArgumentException(
                    "dynamicThreshold must be a percentile in (0, 1), or 0 for off; got " + dynamicThresholdPercentile);
        }
    }

    public boolean active() {
        return clip || dynamicThresholdPercentile > 0;
    }

    public NDArray apply(NDArray x0) {
        if (dynamicThresholdPercentile > 0) {
            return dynamicThreshold(x0, dynamicThresholdPercentile);
        }
        return clip ? x0.clip(-1f, 1f) : x0;
    }

    static NDArray dynamicThreshold(NDArray x0, double percentile) {
        Shape shape = x0.getShape();
        long n = shape.get(0);
        long d = shape.size() / n;
        NDArray sorted = x0.abs().reshape(n, d).sort(1);
        long k = Math.max(0, Math.min(d - 1, (long) Math.ceil(percentile * d) - 1));
        long[] dims = new long[shape.dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = n;
        NDArray s = sorted.get(":, " + k).maximum(1f).reshape(new Shape(dims));
        return x0.minimum(s).maximum(s.neg()).div(s);
    }
}
