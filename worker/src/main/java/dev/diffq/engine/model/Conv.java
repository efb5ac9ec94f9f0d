package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;

/**
 * 2-D convolution with square kernel, explicit shapes and PyTorch's default (or zero) initialisation.
 *
 * <p>In training, a layer with fewer than {@link #MIN_TRAINED_OUT} output channels runs as one with that many, the
 * extra filters constant zeros (placed first), and keeps its own channels of the result. libtorch 2.7.1's CPU
 * convolution returns a wrong gradient for its input when a layer has fewer output channels than the CPU's vector
 * holds floats (oneDNN's backward-data kernel): measured 2026-12-04 on an AVX-512 machine, 1, 4 and 8 output channels
 * gave a wrong input gradient at every call and a NaN at some, 16 and more a right one; with {@code
 * ONEDNN_MAX_CPU_ISA=AVX2} 1 and 4 were wrong, 8 right; with {@code SSE41} all right. The weight gradient was right
 * throughout. The UNet's output conv has one (MNIST) or three (RGB) output channels, so every gradient above it was
 * wrong on AVX2 and AVX-512 machines. ConvGradientTest checks the input gradient of the presets' output convs and of
 * the other kinds of layer.
 */
final class Conv extends Layer {
    /** Output channels a training convolution runs with at least; see the class comment. */
    static final int MIN_TRAINED_OUT = 16;

    final int in;
    final int out;
    final int kernel;
    final int stride;
    private final Shape strideShape;
    private final Shape padShape;
    private final NDIndex keepOwnChannels;
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
        this.keepOwnChannels = new NDIndex(":, " + Math.max(0, MIN_TRAINED_OUT - out) + ":"); // after the zero filters
        float bound = (float) (1.0 / Math.sqrt((double) in * kernel * kernel));
        Initializer init = zeroInit ? Initializer.ZEROS : uniform(bound);
        weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in, kernel, kernel), init);
        bias = param("bias", Parameter.Type.BIAS, new Shape(out), zeroInit ? Initializer.ZEROS : uniform(bound));
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        if (training && out < MIN_TRAINED_OUT) {
            int extra = MIN_TRAINED_OUT - out;
            // zeros first: an op's result belongs to its first operand's manager, and one owned by the parameter's
            // (the model's) manager would stay, with its autograd node, for as long as the model: a leak per step
            NDManager scope = x.getManager();
            NDArray wide = scope.zeros(new Shape(extra, in, kernel, kernel), w.getDataType(), w.getDevice())
                    .concat(w, 0);
            NDArray wideBias = scope.zeros(new Shape(extra), b.getDataType(), b.getDevice()).concat(b, 0);
            return convolve(x, wide, wideBias).get(keepOwnChannels);
        }
        return convolve(x, w, b);
    }

    private NDArray convolve(NDArray x, NDArray w, NDArray b) {
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
