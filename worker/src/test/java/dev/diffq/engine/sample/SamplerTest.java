package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.CancelledException;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    static NDManager manager;
    static final Shape IMAGE = new Shape(1, 4, 4);

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static float[] pattern(int seed) {
        float[] p = new float[(int) IMAGE.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.sin(seed * 1.7 + i * 0.9) * 0.8f;
        }
        return p;
    }

    static long[] indices(int n) {
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        return idx;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private float[] samplePointMass(Sampler sampler, Objective objective, int steps, TimestepSpacing spacing, int n) {
        NoiseSchedule s = sampler.schedule();
        float[] target = pattern(3);
        Denoiser d = AnalyticDenoisers.pointMass(s, objective, new float[][] {target}, IMAGE);
        Estimator est = GuidedEstimator.of(d, s, objective, 0, null, 1.0, X0Processing.NONE);
        NoiseSource noise = new NoiseSource(11);
        try (NDManager m = manager.newSubManager()) {
            NDArray x = noise.batch(m, indices(n), NoiseSource.INITIAL, IMAGE);
            NDArray out = sampler.sample(x, spacing.timesteps(s.timesteps(), steps), est, noise, indices(n), null, null);
            return out.toFloatArray();
        }
    }

    @Test
    void everySamplerConvergesToTheOnlyImageOfAPointMass() {
        NoiseSchedule s = NoiseSchedule.create("linear", 200);
        float[] target = pattern(3);
        int n = 3;
        float[] tiled = new float[target.length * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(target, 0, tiled, i * target.length, target.length);
        }
        for (Objective obj : Objective.values()) {
            assertTrue(maxAbsDiff(tiled, samplePointMass(new DdpmSampler(s), obj, 200, TimestepSpacing.LEADING, n)) < 1e-3, "ddpm " + obj);
            assertTrue(maxAbsDiff(tiled, samplePointMass(new DdimSampler(s, 0), obj, 10, TimestepSpacing.TRAILING, n)) < 1e-3, "ddim " + obj);
            assertTrue(maxAbsDiff(tiled, samplePointMass(new DdimSampler(s, 1), obj, 10, TimestepSpacing.LEADING, n)) < 1e-3, "ddim eta 1 " + obj);
            assertTrue(maxAbsDiff(tiled, samplePointMass(new DpmSolverPlusPlus2M(s), obj, 10, TimestepSpacing.TRAILING, n)) < 1e-3, "dpm++ " + obj);
        }
    }

    /**
     * Probability-flow ODE of Gaussian data: (x_t - a mu) / sqrt(a^2 sd^2 + s^2) is invariant along it,
     * so the exact solution from x at t0 to any t is known.
     */
    private static float[] exactOde(float[] xFrom, double abFrom, double abTo, double mu, double sd) {
        double scale = Math.sqrt(abTo * sd * sd + 1 - abTo) / Math.sqrt(abFrom * sd * sd + 1 - abFrom);
        float[] out = new float[xFrom.length];
        for (int i = 0; i < xFrom.length; i++) {
            out[i] = (float) (Math.sqrt(abTo) * mu + scale * (xFrom[i] - Math.sqrt(abFrom) * mu));
        }
        return out;
    }

    /**
     * Largest error against the exact ODE solution at the last timestep of the grid (before the final
     * move to clean data, which is the same x0 jump for every solver and would hide their order).
     */
    private double odeError(Sampler sampler, int steps, double mu, double sd) {
        NoiseSchedule s = sampler.schedule();
        Denoiser d = AnalyticDenoisers.gaussian(s, Objective.EPS, mu, sd);
        Estimator est = GuidedEstimator.of(d, s, Objective.EPS, 0, null, 1.0, X0Processing.NONE);
        NoiseSource noise = new NoiseSource(5);
        int[] ts = TimestepSpacing.TRAILING.timesteps(s.timesteps(), steps);
        float[][] atLast = new float[1][];
        try (NDManager m = manager.newSubManager()) {
            NDArray x = noise.batch(m, indices(4), NoiseSource.INITIAL, IMAGE);
            float[] xT = x.toFloatArray();
            sampler.sample(x, ts, est, noise, indices(4), (step, total, t, xs, x0) -> {
                if (step == total - 1) {
                    atLast[0] = xs.toFloatArray();
                }
            }, null);
            return maxAbsDiff(atLast[0], exactOde(xT, s.alphaBar(ts[0]), s.alphaBar(ts[steps - 1]), mu, sd));
        }
    }

    @Test
    void deterministicSamplersFollowTheExactOdeAndDpmSolverIsSecondOrder() {
        NoiseSchedule s = NoiseSchedule.create("cosine", 1000);
        double mu = 0.2, sd = 0.3;
        double ddim10 = odeError(new DdimSampler(s, 0), 10, mu, sd);
        double ddim100 = odeError(new DdimSampler(s, 0), 100, mu, sd);
        double dpm10 = odeError(new DpmSolverPlusPlus2M(s), 10, mu, sd);
        double ddim25 = odeError(new DdimSampler(s, 0), 25, mu, sd);
        double dpm25 = odeError(new DpmSolverPlusPlus2M(s), 25, mu, sd);
        assertTrue(ddim100 < ddim10 / 3, "DDIM converges with steps: " + ddim10 + " -> " + ddim100);
        assertTrue(dpm10 < ddim10 / 4, "DPM-Solver++(2M) beats DDIM at 10 steps: " + dpm10 + " vs " + ddim10);
        assertTrue(dpm25 < ddim25 / 3, "DPM-Solver++(2M) beats DDIM at 25 steps: " + dpm25 + " vs " + ddim25);
        assertTrue(dpm10 < ddim100, "10 DPM-Solver++ steps beat 100 DDIM steps: " + dpm10 + " vs " + ddim100);
    }

    @Test
    void ancestralSamplersReproduceTheDataDistribution() {
        NoiseSchedule s = NoiseSchedule.create("linear", 250);
        double mu = -0.3, sd = 0.25;
        Denoiser d = AnalyticDenoisers.gaussian(s, Objective.V, mu, sd);
        Estimator est = GuidedEstimator.of(d, s, Objective.V, 0, null, 1.0, X0Processing.NONE);
        NoiseSource noise = new NoiseSource(99);
        Shape big = new Shape(1, 16, 16);
        int n = 8;
        for (Sampler sampler : new Sampler[] {new DdpmSampler(s), new DdimSampler(s, 1.0)}) {
            int steps = sampler instanceof DdpmSampler ? 250 : 50;
            try (NDManager m = manager.newSubManager()) {
                NDArray x = noise.batch(m, indices(n), NoiseSource.INITIAL, big);
                float[] out = sampler.sample(x, TimestepSpacing.TRAILING.timesteps(250, steps), est, noise, indices(n), null, null).toFloatArray();
                double mean = 0, sq = 0;
                for (float v : out) {
                    mean += v;
                }
                mean /= out.length;
                for (float v : out) {
                    sq += (v - mean) * (v - mean);
                }
                double std = Math.sqrt(sq / (out.length - 1));
                // 2048 samples: standard error of the mean ~ 0.0055, of the sd ~ 0.004
                assertEquals(mu, mean, 0.03, sampler.name() + " mean");
                assertEquals(sd, std, 0.03, sampler.name() + " sd");
            }
        }
    }

    @Test
    void respacedDdpmIsTheSchedulePosteriorAndDdimEtaOneMatchesItsVariance() {
        NoiseSchedule s = NoiseSchedule.create("cosine", 100);
        DdpmSampler ddpm = new DdpmSampler(s);
        DdimSampler ddim = new DdimSampler(s, 1.0);
        for (int t = 1; t < 100; t += 13) {
            double[] p = ddpm.posterior(t, t - 1);
            double[] c = s.posteriorMeanCoefs(t);
            assertEquals(c[0], p[0], 1e-12);
            assertEquals(c[1], p[1], 1e-12);
            assertEquals(s.posteriorVariance(t), p[2], 1e-12);
            assertEquals(Math.sqrt(ddpm.posterior(t, t - 1)[2]), ddim.sigma(t, t - 1), 1e-12);
        }
        assertEquals(Math.sqrt(ddpm.posterior(90, 40)[2]), ddim.sigma(90, 40), 1e-12, "respaced too");
        assertEquals(0.0, ddpm.posterior(0, Sampler.CLEAN)[2], 0.0, "last move is noiseless");
        assertEquals(0.0, new DdimSampler(s, 0).sigma(90, 40), 0.0);
    }

    @Test
    void samplingIsDeterministicAndIndependentOfBatchComposition() {
        NoiseSchedule s = NoiseSchedule.create("linear", 100);
        Denoiser d = AnalyticDenoisers.gaussian(s, Objective.EPS, 0.1, 0.4);
        NoiseSource noise = new NoiseSource(2024);
        int[] ts = TimestepSpacing.LEADING.timesteps(100, 20);
        float[] whole, again, tail;
        try (NDManager m = manager.newSubManager()) {
            Estimator est = GuidedEstimator.of(d, s, Objective.EPS, 0, null, 1.0, X0Processing.CLIP);
            whole = new DdimSampler(s, 0.7).sample(noise.batch(m, indices(4), 0, IMAGE), ts, est, noise, indices(4), null, null).toFloatArray();
            again = new DdimSampler(s, 0.7).sample(noise.batch(m, indices(4), 0, IMAGE), ts, est, noise, indices(4), null, null).toFloatArray();
            long[] lastTwo = {2, 3};
            tail = new DdimSampler(s, 0.7).sample(noise.batch(m, lastTwo, 0, IMAGE), ts, est, noise, lastTwo, null, null).toFloatArray();
        }
        assertArrayEquals(whole, again);
        float[] wholeTail = java.util.Arrays.copyOfRange(whole, whole.length / 2, whole.length);
        assertArrayEquals(wholeTail, tail, "images 2 and 3 do not depend on sharing a batch with 0 and 1");
        float[] other;
        try (NDManager m = manager.newSubManager()) {
            NoiseSource otherSeed = new NoiseSource(2025);
            Estimator est = GuidedEstimator.of(d, s, Objective.EPS, 0, null, 1.0, X0Processing.CLIP);
            other = new DdimSampler(s, 0.7).sample(otherSeed.batch(m, indices(4), 0, IMAGE), ts, est, otherSeed, indices(4), null, null).toFloatArray();
        }
        assertTrue(maxAbsDiff(whole, other) > 0.1, "another seed gives other images");
    }

    @Test
    void listenerSeesEveryStepAndCancelStopsTheLoop() {
        NoiseSchedule s = NoiseSchedule.create("linear", 100);
        Denoiser d = AnalyticDenoisers.gaussian(s, Objective.EPS, 0, 0.5);
        Estimator est = GuidedEstimator.of(d, s, Objective.EPS, 0, null, 1.0, X0Processing.CLIP);
        NoiseSource noise = new NoiseSource(1);
        int[] ts = TimestepSpacing.TRAILING.timesteps(100, 12);
        AtomicInteger seen = new AtomicInteger();
        try (NDManager m = manager.newSubManager()) {
            new DpmSolverPlusPlus2M(s).sample(noise.batch(m, indices(2), 0, IMAGE), ts, est, noise, indices(2),
                    (step, total, t, x, x0) -> {
                        assertEquals(seen.incrementAndGet(), step);
                        assertEquals(12, total);
                        assertEquals(ts[step - 1], t);
                    }, () -> false);
            assertEquals(12, seen.get());
            AtomicInteger steps = new AtomicInteger();
            CancelledException e = assertThrows(CancelledException.class, () ->
                    new DdimSampler(s, 0).sample(noise.batch(m, indices(2), 0, IMAGE), ts, est, noise, indices(2),
                            (step, total, t, x, x0) -> steps.set(step), () -> steps.get() >= 3));
            assertEquals(3, steps.get());
            assertTrue(e.getMessage().contains("3 of 12"), e.getMessage());
        }
    }

    private int arraysLeftAfter(int steps) {
        NoiseSchedule s = NoiseSchedule.create("linear", 100);
        Denoiser d = AnalyticDenoisers.pointMass(s, Objective.V, new float[][] {pattern(1), pattern(2)}, IMAGE);
        Estimator est = GuidedEstimator.anagram(d, s, Objective.V, 1, 2, 0, 0, 2.0, X0Processing.CLIP);
        NoiseSource noise = new NoiseSource(1);
        try (NDManager m = manager.newSubManager()) {
            NDArray known = m.zeros(new Shape(1, 1, 4, 4));
            NDArray mask = m.ones(new Shape(1, 1, 4, 4));
            NDArray x = noise.batch(m, indices(2), 0, IMAGE);
            ReverseProcess.run(new DpmSolverPlusPlus2M(s), x, TimestepSpacing.TRAILING.timesteps(100, steps), est, noise,
                    indices(2), new ReverseProcess.Inpainting(known, mask, 2, 2), null, null);
            return m.getManagedArrays().size();
        }
    }

    @Test
    void eachStepFreesItsIntermediateArrays() {
        int few = arraysLeftAfter(5);
        assertEquals(few, arraysLeftAfter(40), "arrays left do not grow with the number of steps");
        assertTrue(few <= 4, "known, mask and the result (and nothing per step) remain: " + few);
    }

    @Test
    void timestepSpacings() {
        assertArrayEquals(new int[] {750, 500, 250, 0}, TimestepSpacing.LEADING.timesteps(1000, 4));
        assertArrayEquals(new int[] {999, 749, 499, 249}, TimestepSpacing.TRAILING.timesteps(1000, 4));
        assertArrayEquals(new int[] {999, 666, 332}, TimestepSpacing.TRAILING.timesteps(1000, 3));
        int[] all = TimestepSpacing.TRAILING.timesteps(50, 50);
        assertEquals(49, all[0]);
        assertEquals(0, all[49]);
        assertArrayEquals(all, TimestepSpacing.LEADING.timesteps(50, 50));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimestepSpacing.LEADING.timesteps(10, 11));
        assertTrue(e.getMessage().contains("steps"));
        assertEquals(TimestepSpacing.TRAILING, TimestepSpacing.parse("Trailing"));
        assertThrows(IllegalArgumentException.class, () -> TimestepSpacing.parse("linspace"));
        assertEquals(SamplerKind.DPMPP_2M, SamplerKind.parse("dpmpp-2m"));
        assertThrows(IllegalArgumentException.class, () -> SamplerKind.parse("euler"));
    }

    @Test
    void noiseDependsOnlyOnSeedImageAndStream() {
        NoiseSource a = new NoiseSource(7);
        assertArrayEquals(a.gaussian(5, 0, 100), new NoiseSource(7).gaussian(5, 0, 100));
        assertTrue(maxAbsDiff(a.gaussian(5, 0, 100), a.gaussian(6, 0, 100)) > 0.5);
        assertTrue(maxAbsDiff(a.gaussian(5, 0, 100), a.gaussian(5, 1, 100)) > 0.5);
        assertTrue(maxAbsDiff(a.gaussian(5, 0, 100), new NoiseSource(8).gaussian(5, 0, 100)) > 0.5);
        float[] z = a.gaussian(1, 3, 20000);
        double mean = 0, sq = 0;
        for (float v : z) {
            mean += v;
            sq += v * v;
        }
        assertEquals(0, mean / z.length, 0.03);
        assertEquals(1, sq / z.length, 0.04);
        try (NDManager m = manager.newSubManager()) {
            NDArray batch = a.batch(m, new long[] {9, 5}, 0, IMAGE);
            assertEquals(new Shape(2, 1, 4, 4), batch.getShape());
            assertArrayEquals(a.gaussian(5, 0, 16), batch.get(1).toFloatArray());
        }
    }
}
