package dev.diffq.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrechetDistanceTest {

    @Test
    void eigenDecompositionReconstructsASymmetricMatrix() {
        Random rng = new Random(3);
        int n = 12;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = a[j][i] = rng.nextGaussian();
            }
        }
        SymmetricEigen e = SymmetricEigen.of(a);
        double[][] back = e.apply(x -> x);
        double[][] vtv = FrechetDistance.multiply(transpose(e.vectors()), e.vectors());
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(a[i][j], back[i][j], 1e-10, "V D V^T at " + i + "," + j);
                assertEquals(i == j ? 1 : 0, vtv[i][j], 1e-10, "V^T V at " + i + "," + j);
            }
        }
        double trace = 0;
        double eigenSum = 0;
        for (int i = 0; i < n; i++) {
            trace += a[i][i];
            eigenSum += e.values()[i];
        }
        assertEquals(trace, eigenSum, 1e-10);
    }

    @Test
    void eigenValuesOfAKnownTwoByTwo() {
        // [[2,1],[1,2]] has eigenvalues 1 and 3
        double[] v = SymmetricEigen.of(new double[][] {{2, 1}, {1, 2}}).values().clone();
        java.util.Arrays.sort(v);
        assertEquals(1, v[0], 1e-14);
        assertEquals(3, v[1], 1e-14);
    }

    @Test
    void aSetHasDistanceZeroToItself() {
        float[] f = randomFeatures(new Random(1), 400, 16);
        FrechetDistance.Gaussian g = FrechetDistance.Gaussian.fit(f, 400, 16);
        assertEquals(0, FrechetDistance.distance(g, g), 1e-9);
        FrechetDistance.Gaussian again = FrechetDistance.Gaussian.fit(f.clone(), 400, 16);
        assertEquals(0, FrechetDistance.distance(g, again), 1e-9);
    }

    @Test
    void diagonalGaussiansMatchTheClosedForm() {
        double[] mu1 = {0.5, -1, 2, 0};
        double[] mu2 = {1.5, 1, 2, -3};
        double[] a = {1, 4, 0.25, 9};
        double[] b = {4, 1, 1, 0.01};
        double expected = 0;
        for (int i = 0; i < 4; i++) {
            expected += (mu1[i] - mu2[i]) * (mu1[i] - mu2[i]) + Math.pow(Math.sqrt(a[i]) - Math.sqrt(b[i]), 2);
        }
        assertEquals(expected, FrechetDistance.distance(mu1, diag(a), mu2, diag(b)), 1e-10);
        // the means' part alone: 1 + 4 + 0 + 9
        assertEquals(14, FrechetDistance.meanTerm(new FrechetDistance.Gaussian(mu1, diag(a), 2),
                new FrechetDistance.Gaussian(mu2, diag(b), 2)), 1e-12);
        assertEquals(1 + 4 + 0.25 + 9, new FrechetDistance.Gaussian(mu1, diag(a), 2).totalVariance(), 1e-12);
        // a common rotation makes both covariances non-diagonal but leaves the distance unchanged
        double[][] q = randomRotation(new Random(7), 4);
        double[][] s1 = FrechetDistance.multiply(FrechetDistance.multiply(q, diag(a)), transpose(q));
        double[][] s2 = FrechetDistance.multiply(FrechetDistance.multiply(q, diag(b)), transpose(q));
        assertEquals(expected, FrechetDistance.distance(times(q, mu1), s1, times(q, mu2), s2), 1e-9);
    }

    @Test
    void nonCommutingTwoByTwoMatchesTheClosedForm() {
        // for 2x2 SPD matrices Tr sqrt(S1 S2) = sqrt(Tr(S1 S2) + 2 sqrt(det S1 det S2))
        double[][] s1 = {{2, 0.7}, {0.7, 1}};
        double[][] s2 = {{0.5, -0.3}, {-0.3, 3}};
        double[][] p = FrechetDistance.multiply(s1, s2);
        double det1 = s1[0][0] * s1[1][1] - s1[0][1] * s1[1][0];
        double det2 = s2[0][0] * s2[1][1] - s2[0][1] * s2[1][0];
        double trSqrt = Math.sqrt(p[0][0] + p[1][1] + 2 * Math.sqrt(det1 * det2));
        assertEquals(trSqrt, FrechetDistance.traceSqrtProduct(s1, s2), 1e-12);
        double[] mu1 = {1, 2};
        double[] mu2 = {0, 0};
        double expected = 5 + (2 + 1 + 0.5 + 3) - 2 * trSqrt;
        assertEquals(expected, FrechetDistance.distance(mu1, s1, mu2, s2), 1e-12);
    }

    @Test
    void distanceDoesNotDependOnSampleOrder() {
        Random rng = new Random(5);
        int n = 300;
        int d = 10;
        float[] f1 = randomFeatures(rng, n, d);
        float[] f2 = randomFeatures(rng, n, d);
        for (int i = 0; i < f2.length; i++) {
            f2[i] = f2[i] * 1.5f + 0.3f;
        }
        double before = FrechetDistance.distance(FrechetDistance.Gaussian.fit(f1, n, d),
                FrechetDistance.Gaussian.fit(f2, n, d));
        float[] shuffled = f1.clone();
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            for (int k = 0; k < d; k++) {
                float t = shuffled[i * d + k];
                shuffled[i * d + k] = shuffled[j * d + k];
                shuffled[j * d + k] = t;
            }
        }
        double after = FrechetDistance.distance(FrechetDistance.Gaussian.fit(shuffled, n, d),
                FrechetDistance.Gaussian.fit(f2, n, d));
        assertTrue(before > 0.5, "different sets should be far apart, got " + before);
        assertEquals(before, after, 1e-9 * before);
    }

    @Test
    void fittedSamplesApproachTheExactDistance() {
        // 20,000 draws from N(mu, diag(a)) against the exact N(0, I): the estimate converges to the closed form
        Random rng = new Random(11);
        double[] mu = {1, -0.5, 0};
        double[] a = {4, 0.25, 1};
        int n = 20_000;
        float[] f = new float[n * 3];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 3; k++) {
                f[i * 3 + k] = (float) (mu[k] + Math.sqrt(a[k]) * rng.nextGaussian());
            }
        }
        double expected = 1 + 0.25 + Math.pow(2 - 1, 2) + Math.pow(0.5 - 1, 2);
        double got = FrechetDistance.distance(FrechetDistance.Gaussian.fit(f, n, 3).mean(),
                FrechetDistance.Gaussian.fit(f, n, 3).covariance(), new double[3], diag(new double[] {1, 1, 1}));
        assertEquals(expected, got, 0.05);
    }

    @Test
    void rankDeficientCovariancesStayFiniteAndNonNegative() {
        // fewer samples than dimensions (and a dead unit): singular covariances, as with small sample sets
        Random rng = new Random(2);
        float[] f1 = randomFeatures(rng, 5, 20);
        float[] f2 = randomFeatures(rng, 6, 20);
        for (int i = 0; i < 5; i++) {
            f1[i * 20 + 3] = 0;
        }
        double fd = FrechetDistance.distance(FrechetDistance.Gaussian.fit(f1, 5, 20), FrechetDistance.Gaussian.fit(f2, 6, 20));
        assertTrue(Double.isFinite(fd) && fd > 0, "fd " + fd);
    }

    @Test
    void badInputIsRejectedWithTheRule() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FrechetDistance.Gaussian.fit(new float[4], 1, 4));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> FrechetDistance.distance(new double[2], diag(new double[] {1, 1}), new double[3],
                        diag(new double[] {1, 1, 1})));
        assertTrue(e.getMessage().contains("dimensions differ"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][] {{1, 2}, {0, 1}}));
        assertTrue(e.getMessage().contains("symmetric"), e.getMessage());
    }

    static float[] randomFeatures(Random rng, int n, int d) {
        float[] f = new float[n * d];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) rng.nextGaussian();
        }
        return f;
    }

    private static double[][] diag(double[] v) {
        double[][] m = new double[v.length][v.length];
        for (int i = 0; i < v.length; i++) {
            m[i][i] = v[i];
        }
        return m;
    }

    private static double[][] transpose(double[][] m) {
        double[][] t = new double[m[0].length][m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[0].length; j++) {
                t[j][i] = m[i][j];
            }
        }
        return t;
    }

    private static double[] times(double[][] m, double[] v) {
        double[] out = new double[m.length];
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < v.length; j++) {
                out[i] += m[i][j] * v[j];
            }
        }
        return out;
    }

    /** An orthogonal matrix from Gram-Schmidt on Gaussian columns. */
    private static double[][] randomRotation(Random rng, int n) {
        double[][] cols = new double[n][n];
        for (int c = 0; c < n; c++) {
            for (int i = 0; i < n; i++) {
                cols[c][i] = rng.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += cols[c][i] * cols[p][i];
                }
                for (int i = 0; i < n; i++) {
                    cols[c][i] -= dot * cols[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += cols[c][i] * cols[c][i];
            }
            for (int i = 0; i < n; i++) {
                cols[c][i] /= Math.sqrt(norm);
            }
        }
        return transpose(cols);
    }
}
