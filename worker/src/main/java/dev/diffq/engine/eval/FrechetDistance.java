package dev.diffq.engine.eval;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the FID formula, in this project's own feature
 * space): {@code |mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))}.
 *
 * <p>{@code Tr (S1 S2)^(1/2)} is computed as the sum of the square roots of the eigenvalues of the symmetric
 * positive semi-definite {@code S1^(1/2) S2 S1^(1/2)}, which has the same eigenvalues as {@code S1 S2}; both
 * decompositions are symmetric (Jacobi), so no complex arithmetic or ill-conditioned general square root is needed.
 * Eigenvalues that rounding pushes below zero count as zero.
 */
public final class FrechetDistance {

    private FrechetDistance() {
    }

    /** Mean and (unbiased, n - 1) covariance of a feature set. */
    public record Gaussian(double[] mean, double[][] covariance, int count) {

        public int dim() {
            return mean.length;
        }

        /**
         * Fits {@code count} feature vectors of length {@code dim} stored one after another in {@code features}.
         */
        public static Gaussian fit(float[] features, int count, int dim) {
            if (dim < 1) {
                throw new IllegalArgumentException("dim must be positive, got " + dim);
            }
            if (count < 2) {
                throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got " + count);
            }
            if (features.length < (long) count * dim) {
                throw new IllegalArgumentException(count + " vectors of " + dim + " need " + (long) count * dim
                        + " floats, got " + features.length);
            }
            double[] mean = new double[dim];
            for (int i = 0; i < count; i++) {
                int base = i * dim;
                for (int j = 0; j < dim; j++) {
                    mean[j] += features[base + j];
                }
            }
            for (int j = 0; j < dim; j++) {
                mean[j] /= count;
            }
            double[][] cov = new double[dim][dim];
            double[] centred = new double[dim];
            for (int i = 0; i < count; i++) {
                int base = i * dim;
                for (int j = 0; j < dim; j++) {
                    centred[j] = features[base + j] - mean[j];
                }
                for (int j = 0; j < dim; j++) {
                    double cj = centred[j];
                    if (cj == 0) {
                        continue; // dead ReLU units are common: skip their all-zero rows
                    }
                    double[] row = cov[j];
                    for (int k = j; k < dim; k++) {
                        row[k] += cj * centred[k];
                    }
                }
            }
            for (int j = 0; j < dim; j++) {
                for (int k = j; k < dim; k++) {
                    double v = cov[j][k] / (count - 1);
                    cov[j][k] = v;
                    cov[k][j] = v;
                }
            }
            return new Gaussian(mean, cov, count);
        }

        /** The total variance, {@code Tr S}: how widely the set spreads in feature space. */
        public double totalVariance() {
            double sum = 0;
            for (int i = 0; i < covariance.length; i++) {
                sum += covariance[i][i];
            }
            return sum;
        }

        /** Fits feature vectors given as rows. */
        public static Gaussian fit(double[][] rows) {
            if (rows.length == 0) {
                throw new IllegalArgumentException("a covariance needs at least 2 feature vectors, got 0");
            }
            int dim = rows[0].length;
            float[] flat = new float[rows.length * dim];
            for (int i = 0; i < rows.length; i++) {
                if (rows[i].length != dim) {
                    throw new IllegalArgumentException("feature vector " + i + " has " + rows[i].length
                            + " entries, expected " + dim);
                }
                for (int j = 0; j < dim; j++) {
                    flat[i * dim + j] = (float) rows[i][j];
                }
            }
            return fit(flat, rows.length, dim);
        }
    }

    /** The distance between two fitted Gaussians of the same dimension. */
    public static double distance(Gaussian a, Gaussian b) {
        return distance(a.mean(), a.covariance(), b.mean(), b.covariance());
    }

    /** The distance between N(mu1, s1) and N(mu2, s2). */
    public static double distance(double[] mu1, double[][] s1, double[] mu2, double[][] s2) {
        int d = mu1.length;
        if (mu2.length != d || s1.length != d || s2.length != d) {
            throw new IllegalArgumentException("dimensions differ: mean " + d + " vs " + mu2.length + ", covariance "
                    + s1.length + " vs " + s2.length);
        }
        double meanTerm = meanTerm(mu1, mu2);
        double trace = 0;
        for (int i = 0; i < d; i++) {
            trace += s1[i][i] + s2[i][i];
        }
        double fd = meanTerm + trace - 2 * traceSqrtProduct(s1, s2);
        // the exact value is >= 0; rounding can leave a tiny negative when the two Gaussians coincide
        return Math.max(0, fd);
    }

    /**
     * The part of the distance that the means make, {@code |mu1 - mu2|^2}; the rest is the covariances' part. A set
     * whose digits are all drawn a little off (heavier strokes, say) moves the mean; one that varies too little, too
     * much or along other directions than the reference moves the covariances' part.
     */
    public static double meanTerm(Gaussian a, Gaussian b) {
        if (a.dim() != b.dim()) {
            throw new IllegalArgumentException("dimensions differ: mean " + a.dim() + " vs " + b.dim());
        }
        return meanTerm(a.mean(), b.mean());
    }

    private static double meanTerm(double[] mu1, double[] mu2) {
        double sum = 0;
        for (int i = 0; i < mu1.length; i++) {
            double diff = mu1[i] - mu2[i];
            sum += diff * diff;
        }
        return sum;
    }

    /** {@code Tr (S1 S2)^(1/2)} for symmetric positive semi-definite S1 and S2. */
    public static double traceSqrtProduct(double[][] s1, double[][] s2) {
        int d = s1.length;
        double[][] r = SymmetricEigen.of(s1).apply(x -> Math.sqrt(Math.max(0, x)));
        double[][] rs2 = multiply(r, s2);
        double[][] m = multiply(rs2, r);
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                double mean = 0.5 * (m[i][j] + m[j][i]);
                m[i][j] = mean;
                m[j][i] = mean;
            }
        }
        double sum = 0;
        for (double v : SymmetricEigen.of(m).values()) {
            sum += Math.sqrt(Math.max(0, v));
        }
        return sum;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int inner = b.length;
        int m = b[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            double[] row = out[i];
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0) {
                    continue;
                }
                double[] bk = b[k];
                for (int j = 0; j < m; j++) {
                    row[j] += aik * bk[j];
                }
            }
        }
        return out;
    }
}
