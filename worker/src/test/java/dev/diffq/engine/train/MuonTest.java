package dev.diffq.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.eval.SymmetricEigen;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MuonTest {

    /**
     * A rows x cols Gaussian matrix whose rows (if fewer) or columns are scaled from 1 down to 0.05, so its singular
     * values spread over about that range: the spread a gradient has, and one five Newton-Schulz steps can close.
     */
    private static float[] illConditioned(int rows, int cols, long seed) {
        Random r = new Random(seed);
        int k = Math.min(rows, cols);
        float[] a = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                int along = rows <= cols ? i : j;
                a[i * cols + j] = (float) (r.nextGaussian() * Math.pow(0.05, (double) along / (k - 1)));
            }
        }
        return a;
    }

    /** Singular values of a rows x cols matrix, from the eigenvalues of its smaller Gram matrix. */
    private static double[] singularValues(float[] a, int rows, int cols) {
        int k = Math.min(rows, cols);
        double[][] gram = new double[k][k];
        for (int p = 0; p < k; p++) {
            for (int q = 0; q < k; q++) {
                double s = 0;
                for (int i = 0; i < Math.max(rows, cols); i++) {
                    s += rows <= cols ? (double) a[p * cols + i] * a[q * cols + i] : (double) a[i * cols + p] * a[i * cols + q];
                }
                gram[p][q] = s;
            }
        }
        return Arrays.stream(SymmetricEigen.of(gram).values()).map(v -> Math.sqrt(Math.max(v, 0))).sorted().toArray();
    }

    @Test
    void orthogonalizeMovesEverySingularValueNearOneAndKeepsTheDirection() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 12 x 40 and 40 x 12 iterate on their Gram matrix, 16 x 24 on itself
            for (int[] shape : new int[][] {{12, 40}, {40, 12}, {16, 24}}) {
                int rows = shape[0];
                int cols = shape[1];
                float[] g = illConditioned(rows, cols, rows);
                double[] before = singularValues(g, rows, cols);
                assertTrue(before[before.length - 1] / before[0] > 10, "the input is ill-conditioned: " + Arrays.toString(before));

                NDArray x = Muon.orthogonalize(m.create(g, new Shape(rows, cols)));
                assertEquals(new Shape(rows, cols), x.getShape());
                float[] o = x.toFloatArray();
                double[] after = singularValues(o, rows, cols);
                // the quintic's coefficients aim for speed: every singular value ends in about [0.7, 1.2], not at 1
                assertTrue(after[0] > 0.6 && after[after.length - 1] < 1.3, Arrays.toString(after));
                // and the matrix is the polar factor's approximation: <g, x> near the nuclear norm sum(sigma_i)
                double inner = 0;
                for (int i = 0; i < g.length; i++) {
                    inner += (double) g[i] * o[i];
                }
                double nuclear = Arrays.stream(before).sum();
                assertTrue(inner > 0.6 * nuclear && inner < 1.3 * nuclear, inner + " against " + nuclear);
            }
        }
    }

    @Test
    void theGramIterationComputesWhatTheDirectOneDoes() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int[] shape : new int[][] {{12, 40}, {40, 12}, {16, 24}, {8, 8}}) {
                NDArray g = m.create(illConditioned(shape[0], shape[1], 40 + shape[0]), new Shape(shape[0], shape[1]));
                float[] direct = Muon.orthogonalize(g, false).toFloatArray();
                float[] viaGram = Muon.orthogonalize(g, true).toFloatArray();
                assertArrayEquals(direct, viaGram, 1e-4f, Arrays.toString(shape));
            }
        }
    }

    @Test
    void appliesToTheHiddenWeightMatricesOnly() {
        Shape conv = new Shape(32, 32, 3, 3);
        assertTrue(Muon.appliesTo("04down0_res0_02conv1_weight", conv));
        assertTrue(Muon.appliesTo("11down2_attn0_02qkv_weight", new Shape(192, 64, 1, 1)));
        assertTrue(Muon.appliesTo("01time_embed1_weight", new Shape(128, 32)));
        assertFalse(Muon.appliesTo("03input_conv_weight", new Shape(32, 1, 3, 3)), "the first layer");
        assertFalse(Muon.appliesTo("29out_conv_weight", new Shape(1, 32, 3, 3)), "the last layer");
        assertFalse(Muon.appliesTo("class_table", new Shape(11, 128)), "the embedding table");
        assertFalse(Muon.appliesTo("04down0_res0_02conv1_bias", new Shape(32)));
        assertFalse(Muon.appliesTo("04down0_res0_01norm1_gamma", new Shape(32, 1, 1)));
    }

    @Test
    void aStepMovesByAnAdamWSizedUpdateKeepsMomentumAndClearsTheGradient() {
        double lr = 0.01;
        double wd = 0.1;
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(16, 8, 3, 3); // a 16 x 72 matrix
            float[] start = illConditioned(16, 72, 3);
            NDArray param = m.create(start, shape);
            NDArray grad = m.create(illConditioned(16, 72, 4), shape);
            float[] g = grad.toFloatArray();
            NDArray momentum = m.zeros(shape);

            new Muon(List.of(shape), new boolean[] {true}).step(List.of(param), List.of(grad), List.of(momentum), lr, wd);

            assertArrayEquals(g, momentum.toFloatArray(), 0f, "momentum = 0.95 * 0 + grad");
            assertTrue(Arrays.equals(new float[g.length], grad.toFloatArray()), "the gradient is cleared");
            float[] p = param.toFloatArray();
            double sq = 0;
            double along = 0;
            for (int i = 0; i < p.length; i++) {
                double update = start[i] * (1 - lr * wd) - p[i];
                sq += update * update;
                along += update * g[i];
            }
            double rms = Math.sqrt(sq / p.length);
            // an orthogonal 16 x 72 matrix has RMS 1/sqrt(72); the scale 0.2 sqrt(72) makes the update's RMS ~0.2 lr
            assertTrue(rms > 0.6 * Muon.RMS_MATCH * lr && rms < 1.3 * Muon.RMS_MATCH * lr, "update RMS " + rms);
            assertTrue(along > 0, "the update descends along the gradient");
        }
    }

    @Test
    void parametersOfOneShapeStepTogetherAsEachWouldAlone() {
        // two 12 x 40 matrices (one batched orthogonalization, via their Gram matrices), one 20 x 12 (directly) and
        // one left to AdamW
        List<Shape> shapes = List.of(new Shape(12, 40), new Shape(20, 12), new Shape(12, 40), new Shape(12, 40));
        boolean[] flags = {true, true, true, false};
        try (NDManager m = NDManager.newBaseManager()) {
            float[][] starts = new float[4][];
            float[][] grads = new float[4][];
            for (int i = 0; i < 4; i++) {
                int rows = (int) shapes.get(i).get(0);
                int cols = (int) shapes.get(i).get(1);
                starts[i] = illConditioned(rows, cols, 10 + i);
                grads[i] = illConditioned(rows, cols, 20 + i);
            }
            List<NDArray> params = new java.util.ArrayList<>();
            List<NDArray> gs = new java.util.ArrayList<>();
            List<NDArray> momenta = new java.util.ArrayList<>();
            for (int i = 0; i < 4; i++) {
                params.add(m.create(starts[i], shapes.get(i)));
                gs.add(m.create(grads[i], shapes.get(i)));
                momenta.add(m.create(grads[i], shapes.get(i)).mul(0.5f));
            }
            new Muon(shapes, flags).step(params, gs, momenta, 0.01, 0.1);
            for (int i = 0; i < 4; i++) {
                NDArray alone = m.create(starts[i], shapes.get(i));
                NDArray grad = m.create(grads[i], shapes.get(i));
                NDArray momentum = m.create(grads[i], shapes.get(i)).mul(0.5f);
                new Muon(List.of(shapes.get(i)), new boolean[] {flags[i]}).step(List.of(alone), List.of(grad),
                        List.of(momentum), 0.01, 0.1);
                assertArrayEquals(alone.toFloatArray(), params.get(i).toFloatArray(), 1e-6f, "parameter " + i);
                assertArrayEquals(momentum.toFloatArray(), momenta.get(i).toFloatArray(), 1e-6f, "momentum " + i);
            }
            assertArrayEquals(starts[3], params.get(3).toFloatArray(), 0f, "an unflagged parameter is not Muon's");
            assertTrue(gs.get(3).sum().getFloat() != 0, "nor is its gradient");
        }
    }

    @Test
    void theOptimizerBenchTimesAllFourUpdatesOfAPreset() {
        OptimizerBench.Result r = OptimizerBench.run("mnist-small", 1, 1);
        // mnist-small's hidden weight matrices come in fewer shapes than there are matrices: that is what batching buys
        assertTrue(r.muonMatrices() > 50 && r.muonShapes() < r.muonMatrices() / 3, r.toJson());
        assertTrue(r.adamwMs() > 0 && r.muonMs() > 0 && r.muonDirectMs() > 0 && r.muonPerMatrixMs() > 0, r.toJson());
        assertTrue(r.toJson().contains("\"muon_ms\":"), r.toJson());
    }

    @Test
    void adamWSendsOnlyFlaggedParametersToMuonAndItsStateRestoresExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape shape = new Shape(16, 24);
            NDArray w = m.create(illConditioned(16, 24, 5), shape);
            NDArray b = m.create(new float[] {1f, 2f});
            NDArray w2 = w.duplicate();
            NDArray b2 = b.duplicate();
            boolean[] flags = {true, false};
            NDArray gw1 = m.create(illConditioned(16, 24, 6), shape);
            NDArray gb1 = m.create(new float[] {0.1f, -0.2f});
            NDArray gw2 = m.create(illConditioned(16, 24, 7), shape);
            NDArray gb2 = m.create(new float[] {-0.5f, 0.25f});
            try (AdamW straight = new AdamW(m, List.of(w, b), 0, 0.99, flags);
                 AdamW first = new AdamW(m, List.of(w2, b2), 0, 0.99, flags)) {
                straight.step(List.of(w, b), List.of(gw1.duplicate(), gb1.duplicate()), 0.01);
                first.step(List.of(w2, b2), List.of(gw1.duplicate(), gb1.duplicate()), 0.01);
                assertArrayEquals(new float[16 * 24], straight.secondMoments().get(0).toFloatArray(), 0f,
                        "a Muon parameter keeps no second moment");
                assertArrayEquals(gw1.toFloatArray(), straight.firstMoments().get(0).toFloatArray(), 0f,
                        "its first moment is Muon's momentum");
                assertTrue(straight.secondMoments().get(1).sum().getFloat() > 0, "the other takes AdamW");
                try (AdamW resumed = new AdamW(m, List.of(w2, b2), 0, 0.99, flags)) {
                    resumed.restore(first.firstMoments(), first.secondMoments(), first.stepCount());
                    straight.step(List.of(w, b), List.of(gw2.duplicate(), gb2.duplicate()), 0.01);
                    resumed.step(List.of(w2, b2), List.of(gw2.duplicate(), gb2.duplicate()), 0.01);
                    assertArrayEquals(w.toFloatArray(), w2.toFloatArray(), 0f);
                    assertArrayEquals(b.toFloatArray(), b2.toFloatArray(), 0f);
                }
            }
        }
    }
}
