package dev.diffq.engine.model;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A {@link Conv}'s result (training and inference) and its gradients (to the input and to the weight) against the same
 * convolution in float64, which libtorch computes without oneDNN ({@link ConvCheck}). libtorch 2.7.1 on CPU gets
 * float32 wrong for some channel counts (see {@link Conv}); the rows are the presets' layers and shapes that were wrong.
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
        for (int round = 0; round < 3; round++) { // the wrong results were wrong at most calls, NaN at some
            ConvCheck.Row row = ConvCheck.check(in, out, kernel, stride, size, 4, Device.cpu());
            assertFalse(row.forward(), "result differs from float64 (round " + round + ")");
            assertFalse(row.inputGradient(), "input gradient differs from float64 (round " + round + ")");
            assertFalse(row.weightGradient(), "weight gradient differs from float64 (round " + round + ")");
        }
    }

    @Test
    void checkFlagsAWrongOrNaNResultAndAcceptsRounding() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray expected = manager.create(new double[] {1.0, -2.0, 3.0});
            assertFalse(ConvCheck.wrong(expected, manager.create(new float[] {1.00001f, -2f, 3f})));
            assertTrue(ConvCheck.wrong(expected, manager.create(new float[] {1.01f, -2f, 3f})));
            assertTrue(ConvCheck.wrong(expected, manager.create(new float[] {1f, Float.NaN, 3f})));
        }
    }
}
