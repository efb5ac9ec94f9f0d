package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Separable Gaussian low-pass filter over (N, C, H, W), each image and channel on its own, kernel radius
 * ceil(3 sigma). Normalised convolution: each output pixel is divided by the kernel weight that falls on pixels that
 * exist, so borders are averaged over those instead of being darkened by zero padding.
 *
 * <p>Done as two matrix products, B_h x B_w^T with B a band matrix of the kernel whose rows are normalised (separable,
 * so the normalisation separates too), not as convolutions: libtorch's grouped convolution checks NNPACK at every
 * call, and on a CPU NNPACK cannot use (one without an L3 cache) that logs a warning each time, four per sampling step.
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

    /** The n x n matrix that blurs a vector of n pixels with {@code k}: row i holds k centred on i, cut at the edges
     * and normalised to sum 1. */
    static float[] band(int n, float[] k) {
        int r = k.length / 2;
        float[] b = new float[n * n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++) {
                sum += k[j - i + r];
            }
            for (int j = Math.max(0, i - r); j <= Math.min(n - 1, i + r); j++) {
                b[i * n + j] = (float) (k[j - i + r] / sum);
            }
        }
        return b;
    }

    public static NDArray lowPass(NDArray x, double sigma) {
        Shape s = x.getShape();
        if (s.dimension() != 4) {
            throw new IllegalArgumentException("blur expects (N, C, H, W), got " + s);
        }
        float[] k = kernel(sigma);
        int h = Math.toIntExact(s.get(2));
        int w = Math.toIntExact(s.get(3));
        NDManager m = x.getManager();
        NDArray rows = m.create(band(h, k), new Shape(h, h));
        NDArray columnsT = m.create(band(w, k), new Shape(w, w)).transpose();
        return rows.matMul(x.matMul(columnsT));
    }
}
