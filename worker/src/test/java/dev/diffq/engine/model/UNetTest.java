package dev.diffq.engine.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UNetTest {

    /** C=8, two levels, attention at the 4x4 level, 3 classes, 8x8 images. */
    private static UNetConfig tiny(float dropout) {
        return new UNetConfig(8, 2, 8, new int[] {1, 2}, 1, new int[] {1}, 3, dropout);
    }

    @ParameterizedTest
    @CsvSource({"mnist-small, 1624577", "mnist-base, 6472705", "rgb32, 8954883", "rgb64, 17220739"})
    void presetHasExactParameterCountAndKeepsImageShape(String preset, long expectedParameters) {
        UNetConfig cfg = UNetConfig.preset(preset);
        UNet net = new UNet(cfg);
        assertEquals(expectedParameters, net.parameterCount());
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
            long allocated = net.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertEquals(expectedParameters, allocated);

            int s = cfg.imageSize();
            NDArray x = manager.randomNormal(new Shape(1, cfg.inChannels(), s, s));
            NDArray t = manager.create(new float[] {500f});
            NDArray labels = manager.create(new long[] {3});
            NDArray out = net.forward(new ParameterStore(manager, false), new NDList(x, t, labels), false).singletonOrThrow();
            assertEquals(new Shape(1, cfg.inChannels(), s, s), out.getShape());
        }
    }

    @Test
    void presetMacsMatchTheTable() {
        assertEquals(0.275, new UNet(UNetConfig.preset("mnist-small")).macsPerImage() / 1e9, 0.0005);
        assertEquals(1.10, new UNet(UNetConfig.preset("mnist-base")).macsPerImage() / 1e9, 0.001);
        UNet small = new UNet(UNetConfig.preset("mnist-small"));
        assertTrue(small.macsPerImage(56) > 3.9 * small.macsPerImage(28), "MACs scale with the image area");
    }

    @Test
    void untrainedModelPredictsZeroBecauseOutputConvStartsAtZero() {
        UNet net = new UNet(tiny(0f));
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(2));
            NDArray out = forward(net, manager, new long[] {0, 2}, false);
            assertEquals(0f, out.abs().max().getFloat());
        }
    }

    @Test
    void gradientsReachEveryParameter() {
        UNet net = new UNet(tiny(0.1f));
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(3));
            randomise(net, manager);
            for (Parameter p : net.getParameters().values()) {
                p.getArray().setRequiresGradient(true);
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                // Labels 0, 1 and the null class 3: the class-table rows used get gradients.
                NDArray out = forward(net, manager, new long[] {0, 1, 3}, true);
                collector.backward(out.square().mean());
            }
            for (Pair<String, Parameter> p : net.getParameters()) {
                NDArray grad = p.getValue().getArray().getGradient();
                assertNotNull(grad, p.getKey());
                assertTrue(grad.abs().sum().getFloat() > 0f, "no gradient reached " + p.getKey());
                assertFalse(grad.isNaN().any().getBoolean(), "NaN gradient in " + p.getKey());
            }
        }
    }

    @Test
    void nullClassWorksAndDiffersFromARealClass() {
        UNet net = new UNet(tiny(0f));
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(2));
            randomise(net, manager);
            int nullClass = net.config().nullClass();
            Engine.getInstance().setRandomSeed(7);
            float[] withNull = forward(net, manager, new long[] {nullClass, nullClass}, false).toFloatArray();
            Engine.getInstance().setRandomSeed(7);
            float[] withClass = forward(net, manager, new long[] {1, 1}, false).toFloatArray();
            assertFalse(Arrays.equals(withNull, withClass), "the class table must change the prediction");

            // No labels at all = null class for a conditional model.
            Engine.getInstance().setRandomSeed(7);
            NDArray x = manager.randomNormal(new Shape(2, 2, 8, 8));
            NDArray t = manager.create(new float[] {10f, 900f});
            float[] noLabels = net.forward(new ParameterStore(manager, false), new NDList(x, t), false)
                    .singletonOrThrow().toFloatArray();
            assertArrayEquals(withNull, noLabels);

            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> forward(net, manager, new long[] {0, nullClass + 1}, false));
            assertTrue(e.getMessage().contains("labels"), e.getMessage());
        }
    }

    @Test
    void unconditionalModelHasNoClassTableAndIgnoresLabels() {
        UNetConfig cfg = tiny(0f).withNumClasses(0);
        UNet net = new UNet(cfg);
        UNet conditional = new UNet(tiny(0f));
        assertEquals(conditional.parameterCount() - 4L * cfg.embedDim(), net.parameterCount(), "3 + 1 rows of 4C");
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(2));
            randomise(net, manager);
            Engine.getInstance().setRandomSeed(3);
            float[] a = forward(net, manager, new long[] {0, 1}, false).toFloatArray();
            Engine.getInstance().setRandomSeed(3);
            NDArray x = manager.randomNormal(new Shape(2, 2, 8, 8));
            NDArray t = manager.create(new float[] {10f, 900f});
            float[] b = net.forward(new ParameterStore(manager, false), new NDList(x, t), false)
                    .singletonOrThrow().toFloatArray();
            assertArrayEquals(a, b);
        }
    }

    @Test
    void forwardIsDeterministicGivenTheSameParameters() throws Exception {
        UNet first = new UNet(tiny(0.3f));
        UNet second = new UNet(tiny(0.3f));
        try (NDManager manager = NDManager.newBaseManager()) {
            first.initialize(manager, DataType.FLOAT32, first.inputShapes(2));
            randomise(first, manager);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            first.saveParameters(new DataOutputStream(bytes));
            second.loadParameters(manager, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));

            NDArray x = manager.randomNormal(new Shape(2, 2, 8, 8));
            NDArray t = manager.create(new long[] {0, 999}); // int64 timesteps are accepted too
            NDArray labels = manager.create(new long[] {2, 3});
            NDList in = new NDList(x, t, labels);
            float[] a = first.forward(new ParameterStore(manager, false), in, false).singletonOrThrow().toFloatArray();
            float[] b = first.forward(new ParameterStore(manager, false), in, false).singletonOrThrow().toFloatArray();
            float[] c = second.forward(new ParameterStore(manager, false), in, false).singletonOrThrow().toFloatArray();
            assertArrayEquals(a, b);
            assertArrayEquals(a, c);
            // Dropout 0.3 is active only in training mode.
            float[] trained = first.forward(new ParameterStore(manager, false), in, true).singletonOrThrow().toFloatArray();
            assertFalse(Arrays.equals(a, trained));
        }
    }

    @Test
    void invalidConfigAndInputsNameTheField() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UNet(new UNetConfig(8, 1, 12, new int[] {1}, 1, new int[] {}, 0, 0f)));
        assertTrue(e.getMessage().contains("baseChannels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new UNet(new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {2}, 0, 0f)));
        assertTrue(e.getMessage().contains("attentionLevels"), e.getMessage());

        UNet net = new UNet(tiny(0f));
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(1));
            NDList wrongChannels = new NDList(manager.zeros(new Shape(1, 3, 8, 8)), manager.zeros(new Shape(1)));
            e = assertThrows(IllegalArgumentException.class,
                    () -> net.forward(new ParameterStore(manager, false), wrongChannels, false));
            assertTrue(e.getMessage().contains("x must be [N, 2, H, W]"), e.getMessage());
        }
    }

    private static NDArray forward(UNet net, NDManager manager, long[] labels, boolean training) {
        int n = labels.length;
        int s = net.config().imageSize();
        NDArray x = manager.randomNormal(new Shape(n, net.config().inChannels(), s, s));
        float[] steps = new float[n];
        for (int i = 0; i < n; i++) {
            steps[i] = i == 0 ? 10f : 900f;
        }
        NDArray t = manager.create(steps);
        return net.forward(new ParameterStore(manager, false), new NDList(x, t, manager.create(labels)), training)
                .singletonOrThrow();
    }

    /** Replace every parameter (including the zero-initialised ones) with random values. */
    private static void randomise(UNet net, NDManager manager) {
        for (Parameter p : net.getParameters().values()) {
            NDArray fresh = manager.randomUniform(-0.3f, 0.3f, p.getArray().getShape());
            p.getArray().set(fresh.toFloatArray());
        }
    }
}
