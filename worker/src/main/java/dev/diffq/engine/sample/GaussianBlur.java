package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Separable Gaussian low-pass filter over (N, C, H, W), each channel on its own (grouped convolution),
 * kernel radius ceil(3 sigma). Normalised convolution: the result is divided by the blur of ones, so
 * borders are averaged over the pixels that exist instead of being darkened by zero padding.
 */
public final class GaussianBlur {

    private GaussianBlur() {
    }

    public static float[] kernel(double sigma) {
        if (!(sigma > 0)) {
            throw new IllegalArgumentException("blur sigma must be > 0, got " + sigma);
        }
        int radius = (int) Math.ceil(3 * sigma);
        float[] k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++) {
            double v = Math.exp(-(i * (double) i) / (2 * sigma * sigma));
            k[i + radius] = (float) v;
            sum += v;
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= (float) sum;
        }
        return k;
    }

    public static NDArray lowPass(NDArray x, double sigma) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("blur expects (N, C, H, W), got " + s);
        }
        float[] k = kernel(sigma);
        NDManager m = x.getManager();
        int channels = (int) s.get(1);
        float[] weights = new float[channels * k.length];
        for (int c = 0; c < channels; c++) {
            System.arraycopy(k, 0, weights, c * k.length, k.length);
        }
        NDArray horizontal = m.create(weights, new Shape(channels, 1, 1, k.length));
        NDArray vertical = horizontal.reshape(channels, 1, k.length, 1);
        int r = k.length / 2;
        NDArray blurred = separable(x, horizontal, vertical, r, channels);
        NDArray ones = m.ones(new Shape(1, channels, s.get(2), s.get(3)));
        NDArray coverage = separable(ones, horizontal, vertical, r, channels);
        return blurred.div(coverage);
    }

    private static NDArray separable(NDArray x, NDArray horizontal, NDArray vertical, int r, int channels) {
        NDArray h = Conv2d.conv2d(x, horizontal, null, new Shape(1, 1), new Shape(0, r), new Shape(1, 1), channels).singletonOrThrow();
        return Conv2d.conv2d(h, vertical, null, new Shape(1, 1), new Shape(r, 0), new Shape(1, 1), channels).singletonOrThrow();
    }
}
