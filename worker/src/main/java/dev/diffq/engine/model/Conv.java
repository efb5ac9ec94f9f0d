package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/** 2-D convolution with square kernel, explicit shapes and PyTorch's default (or zero) initialisation. */
final class Conv extends Layer {
    final int in;
    final int out;
    final int kernel;
    final int stride;
    private final Shape strideShape;
    private final Shape padShape;
    private static final Shape DILATION = new Shape(1, 1);
    private final Parameter weight;
    private final Parameter bias;

    Conv(int in, int out, int kernel, int stride, boolean zeroInit) {
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.strideShape = new Shape(stride, stride);
        this.padShape = new Shape(kernel / 2, kernel / 2);
        float bound = (float) (1.0 / Math.sqrt((double) in * kernel * kernel));
        Initializer init = zeroInit ? Initializer.ZEROS : uniform(bound);
        weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in, kernel, kernel), init);
        bias = param("bias", Parameter.Type.BIAS, new Shape(out), zeroInit ? Initializer.ZEROS : uniform(bound));
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        return x.getNDArrayInternal().convolution(x, w, b, strideShape, padShape, DILATION, 1).singletonOrThrow();
    }

    /** Output side length for an input side length (padding k/2). */
    int outSize(int size) {
        return (size + 2 * (kernel / 2) - kernel) / stride + 1;
    }

    long macs(int outH, int outW) {
        return (long) in * out * kernel * kernel * outH * outW;
    }
}
