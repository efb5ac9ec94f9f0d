package dev.diffq.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptimizerMathTest {

    @Test
    void globalNormClippingScalesAllGradientsTogether() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 0f});
            NDArray b = m.create(new float[] {0f, 4f, 0f});
            double norm = Tensors.clipGlobalNorm(List.of(a, b), 1.0);
            assertEquals(5.0, norm, 1e-6);
            // each element scaled by 1/5, not clipped to +-1 one by one
            assertArrayEquals(new float[] {0.6f, 0f}, a.toFloatArray(), 1e-5f);
            assertArrayEquals(new float[] {0f, 0.8f, 0f}, b.toFloatArray(), 1e-5f);
            assertEquals(1.0, Tensors.globalNorm(List.of(a, b)), 1e-5);

            NDArray c = m.create(new float[] {0.3f, 0.4f});
            assertEquals(0.5, Tensors.clipGlobalNorm(List.of(c), 1.0), 1e-6);
            assertArrayEquals(new float[] {0.3f, 0.4f}, c.toFloatArray(), 0f);
            Tensors.clipGlobalNorm(List.of(c), 0);
            assertArrayEquals(new float[] {0.3f, 0.4f}, c.toFloatArray(), 0f);
        }
    }

    @Test
    void emaDecayWarmsUpAndUpdateIsAConvexCombination() {
        assertEquals(0.1, Tensors.emaDecayAt(0.999, 0), 1e-12);
        assertEquals(0.5, Tensors.emaDecayAt(0.999, 8), 1e-12);
        assertEquals(0.999, Tensors.emaDecayAt(0.999, 100_000), 1e-12);
        assertEquals(0.9, Tensors.emaDecayAt(0.9, 1000), 1e-12);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray ema = m.create(new float[] {1f, 2f});
            NDArray p = m.create(new float[] {3f, -2f});
            Tensors.emaUpdate(List.of(ema), List.of(p), 0.75);
            assertArrayEquals(new float[] {0.75f * 1 + 0.25f * 3, 0.75f * 2 - 0.25f * 2}, ema.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {3f, -2f}, p.toFloatArray(), 0f);
        }
    }

    @Test
    void adamWMatchesAHandComputedUpdate() {
        assertAdamWMatchesHandComputed(AdamW.PAPER_BETA2, null);
        assertAdamWMatchesHandComputed(0.99, 0.99);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> assertAdamWMatchesHandComputed(1.0, 1.0));
        assertTrue(e.getMessage().contains("beta2"), e.getMessage());
    }

    /** Two AdamW steps against a double-precision reference; {@code given} null = the default constructor. */
    private static void assertAdamWMatchesHandComputed(double beta2, Double given) {
        double lr = 0.1;
        double wd = 0.01;
        float[] p0 = {1f, -2f};
        float[][] gs = {{0.5f, -1f}, {0.2f, 0.3f}};
        double[] p = {p0[0], p0[1]};
        double[] mm = new double[2];
        double[] vv = new double[2];
        for (int t = 1; t <= gs.length; t++) {
            for (int i = 0; i < 2; i++) {
                double g = gs[t - 1][i];
                mm[i] = 0.9 * mm[i] + 0.1 * g;
                vv[i] = beta2 * vv[i] + (1 - beta2) * g * g;
                double mh = mm[i] / (1 - Math.pow(0.9, t));
                double vh = vv[i] / (1 - Math.pow(beta2, t));
                p[i] = p[i] * (1 - lr * wd) - lr * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray param = m.create(p0);
            try (AdamW opt = given == null ? new AdamW(m, List.of(param), wd) : new AdamW(m, List.of(param), wd, given)) {
                for (float[] g : gs) {
                    opt.step(List.of(param), List.of(m.create(g)), lr);
                }
                assertEquals(2, opt.stepCount());
                assertArrayEquals(new float[] {(float) p[0], (float) p[1]}, param.toFloatArray(), 1e-5f);
                assertArrayEquals(new float[] {(float) mm[0], (float) mm[1]},
                        opt.firstMoments().get(0).toFloatArray(), 1e-6f);
                assertArrayEquals(new float[] {(float) vv[0], (float) vv[1]},
                        opt.secondMoments().get(0).toFloatArray(), 1e-7f);
            }
        }
    }

    @Test
    void adamWStateRestoresExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1f, 2f, 3f});
            NDArray b = a.duplicate();
            NDArray g1 = m.create(new float[] {0.1f, -0.2f, 0.3f});
            NDArray g2 = m.create(new float[] {-0.5f, 0.25f, 0.125f});
            try (AdamW straight = new AdamW(m, List.of(a), 0.1); AdamW resumed = new AdamW(m, List.of(b), 0.1)) {
                straight.step(List.of(a), List.of(g1), 0.01);
                resumed.step(List.of(b), List.of(g1), 0.01);
                try (AdamW copy = new AdamW(m, List.of(b), 0.1)) {
                    copy.restore(resumed.firstMoments(), resumed.secondMoments(), resumed.stepCount());
                    straight.step(List.of(a), List.of(g2), 0.01);
                    copy.step(List.of(b), List.of(g2), 0.01);
                    assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f);
                }
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> straight.restore(List.of(), List.of(), 1));
                assertTrue(e.getMessage().contains("another model"), e.getMessage());
            }
        }
    }

    @Test
    void copyIntoWritesTheTargetsOwnStorageAndChecksShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray dst = m.zeros(new ai.djl.ndarray.types.Shape(2, 2));
            try (NDManager scratch = m.newSubManager()) {
                NDArray src = scratch.create(new float[] {1f, 2f, 3f, 4f}, new ai.djl.ndarray.types.Shape(2, 2));
                Tensors.copyInto(src, dst, "w");
                src.muli(10);
            }
            System.gc();
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, dst.toFloatArray(), 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Tensors.copyInto(m.zeros(new ai.djl.ndarray.types.Shape(3)), dst, "layer.weight"));
            assertTrue(e.getMessage().contains("layer.weight") && e.getMessage().contains("another model config"),
                    e.getMessage());
        }
    }

    @Test
    void copyIntoWritesParametersThatRequireGradientsOnAFreshThread() throws Exception {
        // A fresh thread is in PyTorch's grad mode: what loading a checkpoint for sampling on a job thread meets.
        java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicReference<float[]> copied = new java.util.concurrent.atomic.AtomicReference<>();
        Thread t = new Thread(() -> {
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray param = m.zeros(new ai.djl.ndarray.types.Shape(2));
                param.setRequiresGradient(true);
                Tensors.copyInto(m.create(new float[] {5f, 6f}), param, "w");
                copied.set(param.toFloatArray());
                assertTrue(param.hasGradient(), "still a parameter that learns");
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertArrayEquals(new float[] {5f, 6f}, copied.get(), 0f);
    }
}
