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
 * The gradient a training convolution passes to its input, checked exactly: L(x) = sum(conv(x) * r) is affine in x,
 * so for any direction d, {@code <dL/dx, d> = sum((conv(d) - conv(0)) * r)}. libtorch 2.7.1 on CPU gets this wrong for
 * layers with few output channels (see {@link Conv}); the rows are the presets' output convs, then the other kinds
 * of layer.
 */
class ConvGradientTest {

    @ParameterizedTest(name = "in {0}, out {1}, kernel {2}, stride {3}, {4}x{4}")
    @CsvSource({
        "32, 1, 3, 1, 28",  // mnist-small output conv
        "64, 1, 3, 1, 28",  // mnist-base output conv
        "64, 3, 3, 1, 32",  // rgb32 / rgb64 output conv
        "32, 8, 3, 1, 28",
        "32, 32, 3, 1, 28",
        "32, 32, 3, 2, 28", // downsample
        "64, 192, 1, 1, 7", // attention q, k, v
        "1, 32, 3, 1, 28"   // input conv
    })
    void inputGradientOfATrainingConvolutionIsExact(int in, int out, int kernel, int stride, int size) {
        try (NDManager manager = NDManager.newBaseManager()) {
            Conv conv = new Conv(in, out, kernel, stride, false);
            conv.initialize(manager, DataType.FLOAT32, new Shape(1, in, size, size));
            ParameterStore store = new ParameterStore(manager, false);
            manager.getEngine().setRandomSeed(7);
            NDArray x = manager.randomNormal(new Shape(4, in, size, size));
            NDArray d = manager.randomNormal(x.getShape());
            int outSize = conv.outSize(size);
            NDArray r = manager.randomNormal(new Shape(4, out, outSize, outSize));

            for (int round = 0; round < 3; round++) { // the wrong gradient was wrong at every call, NaN at some
                NDArray input = x.duplicate();
                input.setRequiresGradient(true);
                NDArray trained;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    trained = conv.apply(store, input, true);
                    collector.backward(trained.mul(r).sum());
                }
                double viaGradient = input.getGradient().mul(d).sum().toType(DataType.FLOAT64, false).getDouble();
                NDArray linearPart = conv.apply(store, d, false).sub(conv.apply(store, d.zerosLike(), false));
                double exact = linearPart.mul(r).sum().toType(DataType.FLOAT64, false).getDouble();
                assertTrue(Double.isFinite(viaGradient), "input gradient is not finite (round " + round + ")");
                assertEquals(exact, viaGradient, 1e-4 * Math.abs(exact) + 1e-3,
                        "<dL/dx, d> against the exact directional derivative (round " + round + ")");

                // training changes how the result is computed, not what it is
                NDArray inference = conv.apply(store, x, false);
                assertEquals(new Shape(4, out, outSize, outSize), trained.getShape());
                assertTrue(trained.stopGradient().sub(inference).abs().max().getFloat() < 1e-4f,
                        "training and inference forward passes differ");
            }
        }
    }
}
