package dev.diffq.engine.eval;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's own image classifier ({@link ClassifierNet}) with its parameters, on the CPU: grey or RGB images of one
 * dataset (the name is from when it only read MNIST digits).
 * Inference runs in chunks, each in its own sub-manager, so native memory stays flat for any number of images.
 */
public final class MnistClassifier implements FeatureClassifier, AutoCloseable {

    /** Images per forward pass during inference. */
    static final int INFERENCE_CHUNK = 500;

    private final NDManager manager;
    private final ClassifierNet net;

    private MnistClassifier(NDManager manager, ClassifierNet net) {
        this.manager = manager;
        this.net = net;
    }

    /**
     * A freshly initialised classifier; weights are drawn from the engine's generator seeded with {@code seed}.
     *
     * @param dropout dropout rate on the features during training
     */
    public static MnistClassifier create(int channels, int imageSize, int numClasses, float dropout, long seed) {
        ClassifierNet net = new ClassifierNet(channels, imageSize, numClasses, dropout);
        NDManager manager = NDManager.newBaseManager(Device.cpu());
        try {
            Engine.getInstance().setRandomSeed(intSeed(seed));
            net.initialize(manager, DataType.FLOAT32, new Shape(1, channels, imageSize, imageSize));
            return new MnistClassifier(manager, net);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Reads parameters written by {@link #save}. */
    public static MnistClassifier load(Path file, int channels, int imageSize, int numClasses) throws IOException {
        MnistClassifier c = create(channels, imageSize, numClasses, 0f, 0);
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(new BufferedInputStream(in))) {
            c.net.loadParameters(c.manager, data);
        } catch (IOException e) {
            c.close();
            throw new IOException("cannot read classifier parameters " + file + ": " + e.getMessage(), e);
        } catch (MalformedModelException | RuntimeException e) {
            c.close();
            throw new IOException("cannot read classifier parameters " + file + " (" + e.getMessage()
                    + "): it was written for another architecture or is damaged", e);
        }
        return c;
    }

    public void save(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        try (OutputStream out = Files.newOutputStream(file);
             DataOutputStream data = new DataOutputStream(new BufferedOutputStream(out))) {
            net.saveParameters(data);
        }
    }

    @Override
    public int channels() {
        return net.channels();
    }

    @Override
    public int imageSize() {
        return net.imageSize();
    }

    @Override
    public int numClasses() {
        return net.numClasses();
    }

    @Override
    public int featureDim() {
        return ClassifierNet.FEATURES;
    }

    public long parameterCount() {
        return net.parameterCount();
    }

    @Override
    public Classified classify(float[] images, int count) {
        int c = channels();
        int s = imageSize();
        int pixels = c * s * s;
        if (count < 0 || images.length < (long) count * pixels) {
            throw new IllegalArgumentException("classify: " + count + " images of " + c + "x" + s + "x" + s + " need "
                    + (long) count * pixels + " floats, got " + images.length);
        }
        int[] predictions = new int[count];
        float[] features = new float[count * ClassifierNet.FEATURES];
        ParameterStore ps = new ParameterStore(manager, false);
        for (int start = 0; start < count; start += INFERENCE_CHUNK) {
            int n = Math.min(INFERENCE_CHUNK, count - start);
            try (NDManager chunk = manager.newSubManager()) {
                float[] slice = new float[n * pixels];
                System.arraycopy(images, start * pixels, slice, 0, n * pixels);
                NDArray x = chunk.create(slice, new Shape(n, c, s, s));
                ClassifierNet.Output out = net.apply(ps, x, false);
                float[] f = out.features().toFloatArray();
                System.arraycopy(f, 0, features, start * ClassifierNet.FEATURES, f.length);
                long[] argmax = out.logits().argMax(1).toType(DataType.INT64, false).toLongArray();
                for (int i = 0; i < n; i++) {
                    predictions[start + i] = (int) argmax[i];
                }
            }
        }
        return new Classified(predictions, features);
    }

    // ---- for the trainer

    ClassifierNet net() {
        return net;
    }

    NDManager manager() {
        return manager;
    }

    List<NDArray> parameterArrays() {
        return net.getParameters().values().stream().map(Parameter::getArray).toList();
    }

    static int intSeed(long seed) {
        return (int) (seed ^ (seed >>> 32));
    }

    @Override
    public void close() {
        manager.close();
    }
}
