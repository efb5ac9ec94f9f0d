package dev.diffq.engine.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@link Conv}'s result and its gradients (to the input and to the weight), in training and in inference, against
 * the same convolution in float64, which libtorch computes without oneDNN. libtorch 2.7.1 on CPU gets float32 wrong
 * for some channel counts (see {@link Conv}); the rows are the presets' layers and channel counts that were wrong.
 */
class ConvTest {

    @ParameterizedTest(name = "in {0}, out {1}, kernel {2}, stride {3}, {4}x{4}")
    @CsvSource({
        "32, 1, 3, 1, 28",  // mnist-small output conv: wrong input gradient
        "64, 1, 3, 1, 28",  // mnist-base output conv
        "64, 3, 3, 1, 32",  // rgb32 / rgb64 output conv
        "1, 32, 3, 1, 28",  // input convs
        "3, 64, 3, 1, 32",
        "32, 32, 3, 2, 28", // downsample
        "96, 64, 1, 1, 14", // skip conv after a concat
        "64, 192, 1, 1, 7", // attention q, k, v
        "24, 8, 3, 1, 8",   // the test UNet's up block: wrong forward and input gradient
        "40, 32, 3, 1, 8",  // wrong forward
        "32, 24, 3, 1, 8",  // wrong input gradient above 16 out
        "48, 48, 3, 2, 8",  // wrong input gradient of a stride-2 layer with 48 in
        "8, 8, 3, 1, 8"     // wrong input gradient at some calls
    })
    void matchesFloat64InTrainingAndInference(int in, int out, int kernel, int stride, int size) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Conv conv = new Conv(in, out, kernel, stride, false);
            conv.initialize(manager, DataType.FLOAT32, new Shape(1, in, size, size));
            ParameterStore store = new ParameterStore(manager, false);
            NDArray w = conv.getParameters().get("weight").getArray();
            NDArray b = conv.getParameters().get("bias").getArray();
            w.setRequiresGradient(true);
            manager.getEngine().setRandomSeed(7);
            for (int round = 0; round < 3; round++) { // the wrong results were wrong at most calls, NaN at some
                NDArray x = manager.randomNormal(new Shape(4, in, size, size));
                int outSize = conv.outSize(size);
                NDArray r = manager.randomNormal(new Shape(4, out, outSize, outSize));

                NDArray input = x.duplicate();
                input.setRequiresGradient(true);
                NDArray trained;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    trained = conv.apply(store, input, true);
                    collector.backward(trained.mul(r).sum());
                }
                NDArray inputGrad = input.getGradient().duplicate();
                NDArray weightGrad = w.getGradient().duplicate();
                w.getGradient().subi(weightGrad); // gradients accumulate across rounds
                NDArray inference = conv.apply(store, x, false);

                NDArray x64 = x.toType(DataType.FLOAT64, false);
                NDArray w64 = w.stopGradient().toType(DataType.FLOAT64, false);
                x64.setRequiresGradient(true);
                w64.setRequiresGradient(true);
                NDArray expected;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    expected = x64.getNDArrayInternal().convolution(x64, w64, b.stopGradient().toType(DataType.FLOAT64, false),
                            new Shape(stride, stride), new Shape(kernel / 2, kernel / 2), new Shape(1, 1), 1)
                            .singletonOrThrow();
                    collector.backward(expected.mul(r.toType(DataType.FLOAT64, false)).sum());
                }
                assertEquals(new Shape(4, out, outSize, outSize), trained.getShape());
                assertClose(expected, trained.stopGradient(), "training result", round);
                assertClose(expected, inference, "inference result", round);
                assertClose(x64.getGradient(), inputGrad, "input gradient", round);
                assertClose(w64.getGradient(), weightGrad, "weight gradient", round);
            }
        }
    }

    private static void assertClose(NDArray expected, NDArray actual, String what, int round) {
        NDArray e = expected.stopGradient();
        double error = actual.toType(DataType.FLOAT64, false).sub(e).abs().max().getDouble();
        double scale = e.abs().max().getDouble();
        assertTrue(error <= 1e-5 * scale + 1e-5, what + " differs from float64 by " + error + " (scale " + scale
                + ", round " + round + ")");
    }
}
