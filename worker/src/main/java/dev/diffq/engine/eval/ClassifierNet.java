package dev.diffq.engine.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * The evaluation classifier's network: conv5x5/2(32) - ReLU - conv3x3/2(64) - ReLU - dense(128) - ReLU [features] -
 * dropout - dense(classes). Input (N, C, S, S) in [-1, 1], C = 1 (grey) or 3 (RGB); each strided convolution halves
 * the side (28 -> 14 -> 7, 32 -> 16 -> 8) and the dense layer's input follows from it. The 128 ReLU features are
 * the space the Fréchet distance is measured in. Strided convolutions instead of full-resolution convolutions plus
 * max-pooling: measured here about 6x faster per training step (a 1-channel convolution and pooling at 28x28
 * dominate on CPU).
 * Parameters have fixed shapes (no shape inference) and PyTorch's default initialisation, uniform(+-1/sqrt(fan_in)).
 */
final class ClassifierNet extends AbstractBlock {

    static final String ARCHITECTURE = "conv5s2x32-conv3s2x64-dense128-dropout-dense10/v1";
    static final int C1 = 32;
    static final int C2 = 64;
    static final int FEATURES = 128;

    private final int c1;
    private final int c2;
    private final int featureDim;

    private static final Shape STRIDE_2 = new Shape(2, 2);
    private static final Shape DILATION_1 = new Shape(1, 1);
    private static final Shape PAD_1 = new Shape(1, 1);
    private static final Shape PAD_2 = new Shape(2, 2);

    private final int channels;
    private final int imageSize;
    private final int numClasses;
    private final float dropout;
    private final Parameter conv1W;
    private final Parameter conv1B;
    private final Parameter conv2W;
    private final Parameter conv2B;
    private final Parameter fc1W;
    private final Parameter fc1B;
    private final Parameter fc2W;
    private final Parameter fc2B;

    /** The two outputs of one forward pass. */
    record Output(NDArray features, NDArray logits) {
    }

    ClassifierNet(int channels, int imageSize, int numClasses, float dropout) {
        this(channels, imageSize, numClasses, dropout, C1, C2, FEATURES);
    }

    /** A variant with other widths (for benchmarks and tests). */
    ClassifierNet(int channels, int imageSize, int numClasses, float dropout, int c1, int c2, int featureDim) {
        this.c1 = c1;
        this.c2 = c2;
        this.featureDim = featureDim;
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        if (imageSize < 8) {
            throw new IllegalArgumentException("imageSize must be at least 8, got " + imageSize);
        }
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be at least 2, got " + numClasses);
        }
        if (dropout < 0 || dropout >= 1) {
            throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
        }
        this.channels = channels;
        this.imageSize = imageSize;
        this.numClasses = numClasses;
        this.dropout = dropout;
        int side = outSize(outSize(imageSize, 5, 2), 3, 1);
        int flat = c2 * side * side;
        conv1W = param("conv1_weight", Parameter.Type.WEIGHT, new Shape(c1, channels, 5, 5), channels * 25);
        conv1B = param("conv1_bias", Parameter.Type.BIAS, new Shape(c1), channels * 25);
        conv2W = param("conv2_weight", Parameter.Type.WEIGHT, new Shape(c2, c1, 3, 3), c1 * 9);
        conv2B = param("conv2_bias", Parameter.Type.BIAS, new Shape(c2), c1 * 9);
        fc1W = param("fc1_weight", Parameter.Type.WEIGHT, new Shape(featureDim, flat), flat);
        fc1B = param("fc1_bias", Parameter.Type.BIAS, new Shape(featureDim), flat);
        fc2W = param("fc2_weight", Parameter.Type.WEIGHT, new Shape(numClasses, featureDim), featureDim);
        fc2B = param("fc2_bias", Parameter.Type.BIAS, new Shape(numClasses), featureDim);
    }

    /** Side length after a stride-2 convolution. */
    private static int outSize(int size, int kernel, int pad) {
        return (size + 2 * pad - kernel) / 2 + 1;
    }

    private Parameter param(String name, Parameter.Type type, Shape shape, int fanIn) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        Initializer init = (manager, s, dataType) -> manager.randomUniform(-bound, bound, s, dataType);
        return addParameter(Parameter.builder().setName(name).setType(type).optShape(shape).optInitializer(init).build());
    }

    int channels() {
        return channels;
    }

    int imageSize() {
        return imageSize;
    }

    int numClasses() {
        return numClasses;
    }

    int featureDim() {
        return featureDim;
    }

    /** Features and logits of a batch (N, C, S, S); dropout only when {@code training}. */
    Output apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = Activation.relu(conv(ps, x, conv1W, conv1B, PAD_2, training));
        h = Activation.relu(conv(ps, h, conv2W, conv2B, PAD_1, training));
        h = h.reshape(h.getShape().get(0), -1);
        NDArray features = Activation.relu(linear(ps, h, fc1W, fc1B, training));
        NDArray d = training && dropout > 0 ? Dropout.dropout(features, dropout, true).singletonOrThrow() : features;
        return new Output(features, linear(ps, d, fc2W, fc2B, training));
    }

    private static NDArray conv(ParameterStore ps, NDArray x, Parameter w, Parameter b, Shape pad, boolean training) {
        return x.getNDArrayInternal().convolution(x, ps.getValue(w, x.getDevice(), training),
                ps.getValue(b, x.getDevice(), training), STRIDE_2, pad, DILATION_1, 1).singletonOrThrow();
    }

    private static NDArray linear(ParameterStore ps, NDArray x, Parameter w, Parameter b, boolean training) {
        return Linear.linear(x, ps.getValue(w, x.getDevice(), training), ps.getValue(b, x.getDevice(), training))
                .singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training).logits());
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no children: every parameter shape is fixed at construction
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numClasses)};
    }

    /** Number of scalar parameters. */
    long parameterCount() {
        return getParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
    }
}
