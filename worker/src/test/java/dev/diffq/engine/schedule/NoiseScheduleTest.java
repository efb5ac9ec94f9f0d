package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoiseScheduleTest {

    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void alphaBarIsTheCumulativeProductOfAlphasForEveryKind() {
        for (String kind : NoiseSchedule.KINDS) {
            NoiseSchedule s = NoiseSchedule.create(kind, 300);
            double product = 1.0;
            for (int t = 0; t < s.timesteps(); t++) {
                assertEquals(1.0 - s.beta(t), s.alpha(t), 1e-15);
                product *= s.alpha(t);
                assertEquals(product, s.alphaBar(t), 1e-12, kind + " t=" + t);
                assertTrue(s.beta(t) > 0 && s.beta(t) < 1, kind + " beta in (0,1)");
                if (t > 0) {
                    assertTrue(s.alphaBar(t) < s.alphaBar(t - 1), kind + " alphaBar decreasing");
                }
            }
        }
    }

    @Test
    void linearAndSigmoidSpanTheSameBetaRangeAndCosineFollowsItsClosedForm() {
        int n = 1000;
        NoiseSchedule lin = NoiseSchedule.create("linear", n);
        NoiseSchedule sig = NoiseSchedule.create("Sigmoid", n);
        assertEquals(1e-4, lin.beta(0), 1e-12);
        assertEquals(0.02, lin.beta(n - 1), 1e-12);
        assertEquals(1e-4, sig.beta(0), 1e-12);
        assertEquals(0.02, sig.beta(n - 1), 1e-12);
        assertEquals("sigmoid", sig.kind());
        // Sigmoid is symmetric about the midpoint: half way up the range in the middle.
        assertEquals((1e-4 + 0.02) / 2, (sig.beta(n / 2 - 1) + sig.beta(n / 2)) / 2, 1e-5);
        // Sigmoid starts slower than linear.
        assertTrue(sig.beta(n / 10) < lin.beta(n / 10));

        NoiseSchedule cos = NoiseSchedule.create("cosine", n);
        double s = 0.008;
        double f0 = Math.pow(Math.cos(s / (1 + s) * Math.PI / 2), 2);
        for (int t : new int[] {0, 10, 500, 900}) {
            double f = Math.pow(Math.cos(((t + 1.0) / n + s) / (1 + s) * Math.PI / 2), 2);
            assertEquals(f / f0, cos.alphaBar(t), 1e-9, "cosine alphaBar at " + t);
        }
        assertEquals(0.999, cos.beta(n - 1), 1e-12, "last cosine beta is capped");
    }

    @Test
    void badArgumentsAreRejectedWithTheValueAndTheAllowedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.create("quadratic", 10));
        assertTrue(e.getMessage().contains("quadratic") && e.getMessage().contains("linear")
                && e.getMessage().contains("cosine") && e.getMessage().contains("sigmoid"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NoiseSchedule.create("linear", 0));
        NoiseSchedule s = NoiseSchedule.create("linear", 10);
        assertThrows(IllegalArgumentException.class, () -> s.beta(10));
        assertThrows(IllegalArgumentException.class, () -> s.alphaBar(-1));
        assertThrows(IllegalArgumentException.class, () -> s.alphaBarAt(manager.create(new long[] {3, 10})));
    }

    @Test
    void alphaBarAtGathersPerSampleForIntAndFloatTimesteps() {
        NoiseSchedule s = NoiseSchedule.create("cosine", 50);
        NDArray t = manager.create(new long[] {0, 7, 49});
        NDArray ab = s.alphaBarAt(t);
        assertEquals(DataType.FLOAT32, ab.getDataType());
        assertEquals(new Shape(3), ab.getShape());
        assertEquals(t.getDevice(), ab.getDevice());
        assertArrayEquals(new float[] {(float) s.alphaBar(0), (float) s.alphaBar(7), (float) s.alphaBar(49)}, ab.toFloatArray());
        NDArray tf = manager.create(new float[] {0f, 7f, 49f});
        assertArrayEquals(ab.toFloatArray(), s.alphaBarAt(tf).toFloatArray());
    }

    @Test
    void qSampleHasTheClosedFormMeanAndVarianceByMonteCarlo() {
        NoiseSchedule s = NoiseSchedule.create("linear", 1000);
        int samples = 20000;
        long[] ts = {0, 250, 999};
        float[] x0Values = {0.8f, -0.5f, 0.3f};
        SplittableRandom rnd = new SplittableRandom(42);
        for (int k = 0; k < ts.length; k++) {
            try (NDManager sub = manager.newSubManager()) {
                // samples x 1 pixel, all with the same x0 and t
                NDArray x0 = sub.full(new Shape(samples, 1, 1, 1), x0Values[k]);
                float[] eps = new float[samples];
                for (int i = 0; i < samples; i++) {
                    eps[i] = (float) rnd.nextGaussian();
                }
                NDArray noise = sub.create(eps, new Shape(samples, 1, 1, 1));
                long[] tt = new long[samples];
                java.util.Arrays.fill(tt, ts[k]);
                float[] xt = s.qSample(x0, noise, sub.create(tt)).toFloatArray();
                double mean = 0, sq = 0;
                for (float v : xt) {
                    mean += v;
                }
                mean /= samples;
                for (float v : xt) {
                    sq += (v - mean) * (v - mean);
                }
                double var = sq / (samples - 1);
                double ab = s.alphaBar((int) ts[k]);
                double expectMean = Math.sqrt(ab) * x0Values[k];
                double expectVar = 1 - ab;
                // standard error of the mean is sqrt(var/n); allow 5 of them, and 5% on the variance
                assertEquals(expectMean, mean, 5 * Math.sqrt(expectVar / samples) + 1e-6, "mean at t=" + ts[k]);
                assertEquals(expectVar, var, 0.05 * expectVar + 1e-7, "variance at t=" + ts[k]);
            }
        }
    }

    @Test
    void qSampleBroadcastsPerSampleOverChannelsAndPixels() {
        NoiseSchedule s = NoiseSchedule.create("linear", 100);
        NDArray x0 = manager.randomNormal(new Shape(2, 3, 4, 4));
        NDArray noise = manager.randomNormal(new Shape(2, 3, 4, 4));
        NDArray xt = s.qSample(x0, noise, manager.create(new long[] {5, 90}));
        for (int i = 0; i < 2; i++) {
            int t = i == 0 ? 5 : 90;
            NDArray expect = x0.get(i).mul(Math.sqrt(s.alphaBar(t))).add(noise.get(i).mul(Math.sqrt(1 - s.alphaBar(t))));
            assertTrue(expect.allClose(xt.get(i), 1e-5, 1e-6, false));
        }
    }

    @Test
    void posteriorMatchesClosedFormAndBayesRule() {
        for (String kind : NoiseSchedule.KINDS) {
            NoiseSchedule s = NoiseSchedule.create(kind, 200);
            assertEquals(0.0, s.posteriorVariance(0), 0.0, "no noise is added before x_0");
            for (int t = 1; t < s.timesteps(); t += 37) {
                double beta = s.beta(t), abPrev = s.alphaBar(t - 1), ab = s.alphaBar(t);
                assertEquals(beta * (1 - abPrev) / (1 - ab), s.posteriorVariance(t), 1e-12);
                double[] c = s.posteriorMeanCoefs(t);
                assertEquals(beta * Math.sqrt(abPrev) / (1 - ab), c[0], 1e-12);
                assertEquals((1 - abPrev) * Math.sqrt(1 - beta) / (1 - ab), c[1], 1e-12);

                // Bayes: q(x_{t-1}|x_t,x0) ∝ q(x_t|x_{t-1}) q(x_{t-1}|x0), both Gaussian in x_{t-1}:
                // N(x_t; sqrt(a_t) y, beta_t) N(y; sqrt(abPrev) x0, 1-abPrev). Product of Gaussians in y.
                double x0 = 0.7, xt = -0.3;
                double precLik = (1 - beta) / beta;                  // as a function of y
                double meanLik = xt / Math.sqrt(1 - beta);
                double precPrior = 1 / (1 - abPrev);
                double meanPrior = Math.sqrt(abPrev) * x0;
                double postVar = 1 / (precLik + precPrior);
                double postMean = postVar * (precLik * meanLik + precPrior * meanPrior);
                assertEquals(postVar, s.posteriorVariance(t), 1e-9 * Math.max(1, postVar), kind + " var t=" + t);
                assertEquals(postMean, c[0] * x0 + c[1] * xt, 1e-9, kind + " mean t=" + t);

                // Consistency: marginalising the posterior over x_t ~ q(x_t|x0) recovers q(x_{t-1}|x0).
                double meanXt = Math.sqrt(ab) * x0, varXt = 1 - ab;
                double margMean = c[0] * x0 + c[1] * meanXt;
                double margVar = c[1] * c[1] * varXt + s.posteriorVariance(t);
                assertEquals(Math.sqrt(abPrev) * x0, margMean, 1e-9, kind + " marginal mean");
                assertEquals(1 - abPrev, margVar, 1e-9, kind + " marginal variance");
            }
        }
    }

    @Test
    void snrIsAlphaBarOverOneMinusAlphaBarAndDecreasing() {
        NoiseSchedule s = NoiseSchedule.create("cosine", 100);
        for (int t = 0; t < 100; t++) {
            assertEquals(s.alphaBar(t) / (1 - s.alphaBar(t)), s.snr(t), 1e-9 * s.snr(t));
            if (t > 0) {
                assertTrue(s.snr(t) < s.snr(t - 1));
            }
        }
    }
}
