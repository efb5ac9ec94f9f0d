package dev.diffq.engine.eval;

/**
 * Eigen-decomposition of a real symmetric matrix by cyclic Jacobi rotations, in double precision:
 * {@code A = V diag(values) V^T} with orthonormal eigenvector columns. Slow for large matrices (O(n^3) per sweep) but
 * unconditionally stable and accurate for the small (feature-sized, ~128) matrices the Fréchet distance needs.
 */
public record SymmetricEigen(double[] values, double[][] vectors) {

    private static final int MAX_SWEEPS = 100;

    /** Decomposes {@code a} (not modified); it must be square and symmetric up to rounding. */
    public static SymmetricEigen of(double[][] a) {
        int n = a.length;
        double[][] m = new double[n][];
        double scale = 0;
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) {
                throw new IllegalArgumentException("matrix must be square: row " + i + " has " + a[i].length
                        + " entries, expected " + n);
            }
            m[i] = a[i].clone();
            for (int j = 0; j < n; j++) {
                scale = Math.max(scale, Math.abs(a[i][j]));
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                double d = Math.abs(a[i][j] - a[j][i]);
                if (d > 1e-9 * Math.max(scale, Double.MIN_NORMAL)) {
                    throw new IllegalArgumentException("matrix must be symmetric: a[" + i + "][" + j + "] = " + a[i][j]
                            + " but a[" + j + "][" + i + "] = " + a[j][i]);
                }
                // use the mean of the two triangles so rounding asymmetry does not bias the result
                double mean = 0.5 * (a[i][j] + a[j][i]);
                m[i][j] = mean;
                m[j][i] = mean;
            }
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            double diag = 0;
            for (int i = 0; i < n; i++) {
                diag += m[i][i] * m[i][i];
                for (int j = i + 1; j < n; j++) {
                    off += m[i][j] * m[i][j];
                }
            }
            if (off <= 1e-30 * (diag + off) || off == 0) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p][q];
                    if (apq == 0) {
                        continue;
                    }
                    double theta = (m[q][q] - m[p][p]) / (2 * apq);
                    // smaller root of t^2 + 2 theta t - 1 = 0, written to avoid overflow and cancellation
                    double t = Double.isInfinite(theta * theta) ? 0.5 / theta
                            : Math.signum(theta == 0 ? 1 : theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    rotate(m, v, p, q, c, s);
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = m[i][i];
        }
        return new SymmetricEigen(values, v);
    }

    /** A <- J^T A J and V <- V J for the rotation J in the (p, q) plane. */
    private static void rotate(double[][] a, double[][] v, int p, int q, double c, double s) {
        int n = a.length;
        for (int k = 0; k < n; k++) {
            double akp = a[k][p];
            double akq = a[k][q];
            a[k][p] = c * akp - s * akq;
            a[k][q] = s * akp + c * akq;
        }
        double[] rowP = a[p];
        double[] rowQ = a[q];
        for (int k = 0; k < n; k++) {
            double apk = rowP[k];
            double aqk = rowQ[k];
            rowP[k] = c * apk - s * aqk;
            rowQ[k] = s * apk + c * aqk;
        }
        rowP[q] = 0; // exactly zero by construction; drop the rounding residue
        rowQ[p] = 0;
        for (int k = 0; k < n; k++) {
            double vkp = v[k][p];
            double vkq = v[k][q];
            v[k][p] = c * vkp - s * vkq;
            v[k][q] = s * vkp + c * vkq;
        }
    }

    /** {@code V f(values) V^T} with {@code f} applied to each eigenvalue. */
    public double[][] apply(java.util.function.DoubleUnaryOperator f) {
        int n = values.length;
        double[] fv = new double[n];
        for (int i = 0; i < n; i++) {
            fv[i] = f.applyAsDouble(values[i]);
        }
        double[][] out = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += vectors[i][k] * fv[k] * vectors[j][k];
                }
                out[i][j] = sum;
                out[j][i] = sum;
            }
        }
        return out;
    }
}
