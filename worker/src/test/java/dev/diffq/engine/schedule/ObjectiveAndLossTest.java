package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ObjectiveAndLossTest {

    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
        manager.getEngine().setRandomSeed(7);
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void targetsConvertBackToEpsAndX0ForBothObjectives() {
        NoiseSchedule s = NoiseSchedule.create("cosine", 1000);
        NDArray x0 = manager.randomUniform(-1f, 1f, new Shape(4, 2, 3, 3));
        NDArray eps = manager.randomNormal(new Shape(4, 2, 3, 3));
        NDArray t = manager.create(new long[] {0, 100, 600, 980});
        NDArray xt = s.qSample(x0, eps, t);
        for (Objective obj : Objective.values()) {
            NDArray out = obj.target(s, x0, eps, t);
            assertTrue(obj.toEps(s, xt, out, t).allClose(eps, 1e-3, 1e-3, false), obj + " toEps");
            assertTrue(obj.toX0(s, xt, out, t).allClose(x0, 1e-3, 2e-3, false), obj + " toX0");
            assertTrue(obj.fromEps(s, xt, eps, t).allClose(out, 1e-3, 1e-3, false), obj + " fromEps");
        }
        // V differs from EPS as a target (otherwise the test above proves nothing about V).
        assertFalse(Objective.V.target(s, x0, eps, t).allClose(eps, 1e-3, 1e-3, false));
        // v = sqrt(ab) eps - sqrt(1-ab) x0, checked element-wise at one sample.
        double ab = s.alphaBar(600);
        NDArray v = Objective.V.target(s, x0, eps, t).get(2);
        assertTrue(v.allClose(eps.get(2).mul(Math.sqrt(ab)).sub(x0.get(2).mul(Math.sqrt(1 - ab))), 1e-5, 1e-6, false));
    }

    @Test
    void objectiveAndLossParsing() {
        assertEquals(Objective.EPS, Objective.parse("eps"));
        assertEquals(Objective.V, Objective.parse(" V "));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("x0"));
        assertTrue(e.getMessage().contains("x0") && e.getMessage().contains("eps"));
        assertEquals(LossKind.L2, LossKind.parse("l2"));
        assertEquals(LossKind.L1, LossKind.parse("L1"));
        assertEquals(LossKind.HUBER, LossKind.parse("huber"));
        assertThrows(IllegalArgumentException.class, () -> LossKind.parse("l3"));
    }

    @Test
    void lossKindsAverageTheElementLossOverEverythingButTheBatch() {
        // sample 0: differences {0.5, -2}, sample 1: {0, 3}
        NDArray pred = manager.create(new float[] {0.5f, -2f, 1f, 3f}, new Shape(2, 1, 1, 2));
        NDArray target = manager.create(new float[] {0f, 0f, 1f, 0f}, new Shape(2, 1, 1, 2));
        assertArrayEquals(new float[] {(0.25f + 4f) / 2, 9f / 2}, LossKind.L2.perSample(pred, target).toFloatArray(), 1e-6f);
        assertArrayEquals(new float[] {(0.5f + 2f) / 2, 3f / 2}, LossKind.L1.perSample(pred, target).toFloatArray(), 1e-6f);
        // Huber(delta 1): 0.5*0.25 = 0.125 ; 2 - 0.5 = 1.5 ; 0 ; 3 - 0.5 = 2.5
        assertArrayEquals(new float[] {(0.125f + 1.5f) / 2, 2.5f / 2}, LossKind.HUBER.perSample(pred, target).toFloatArray(), 1e-6f);
        assertEquals(new Shape(2), LossKind.L2.perSample(pred, target).getShape());
    }

    @Test
    void minSnrWeightsClampAtGammaPerObjective() {
        NoiseSchedule s = NoiseSchedule.create("linear", 1000);
        NDArray t = manager.create(new long[] {0, 200, 999});
        double gamma = 5.0;
        float[] off = MinSnrWeighting.weights(s, t, 0, Objective.EPS).toFloatArray();
        assertArrayEquals(new float[] {1f, 1f, 1f}, off);
        float[] we = MinSnrWeighting.weights(s, t, gamma, Objective.EPS).toFloatArray();
        float[] wv = MinSnrWeighting.weights(s, t, gamma, Objective.V).toFloatArray();
        for (int i = 0; i < 3; i++) {
            int step = new int[] {0, 200, 999}[i];
            double snr = s.snr(step);
            assertEquals(Math.min(snr, gamma) / snr, we[i], 1e-5 * Math.max(1, we[i]));
            assertEquals(Math.min(snr, gamma) / (snr + 1), wv[i], 1e-5);
        }
        assertTrue(s.snr(0) > gamma && we[0] < 1f, "high-SNR step is down-weighted");
        assertTrue(s.snr(999) < gamma);
        assertEquals(1f, we[2], 1e-6f, "low-SNR step keeps weight 1 for eps");
    }
}
