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
 * <p>Channel counts are padded with zeros where libtorch 2.7.1's float32 CPU convolution (oneDNN) is wrong (which
 * shapes: docs/BENCHMARKS.md, "Convolution check"). A layer with more than 16 input channels that are not a multiple
 * of 32 runs with zero input channels added in front, and in training a layer whose output channels are not a
 * multiple of 16 with zero filters added in front; it keeps its own output channels. Parameters, checkpoints and
 * results are unchanged. The presets' layers have multiples of 32 channels (or 1 and 3 in), so only their output
 * conv is padded, in training. ConvTest checks results and gradients against float64;
 * {@code bin/diffq engine check-conv} ({@link ConvCheck}) checks a new machine kind.
 */
final class Conv extends Layer {
    /** The channel multiple the convolution is right at (the floats in an AVX-512 vector); see the class comment. */
    static final int CHANNEL_BLOCK = 16;

    final int in;
    final int out;
    final int kernel;
    final int stride;
    private final Shape strideShape;
    private final Shape padShape;
    /** Zero input channels added in front, in training and inference. */
    private final int extraIn;
    /** Zero filters added in front in training. */
    private final int extraOut;
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
        // to a multiple of 32, not 16: a stride-2 layer's input gradient was wrong at 48, 80, 112, 144 in
        this.extraIn = in > CHANNEL_BLOCK ? padding(in, 2 * CHANNEL_BLOCK) : 0;
        this.extraOut = padding(out, CHANNEL_BLOCK);
        this.keepOwnChannels = new NDIndex(":, " + extraOut + ":");
        float bound = (float) (1.0 / Math.sqrt((double) in * kernel * kernel));
        Initializer init = zeroInit ? Initializer.ZEROS : uniform(bound);
        weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in, kernel, kernel), init);
        bias = param("bias", Parameter.Type.BIAS, new Shape(out), zeroInit ? Initializer.ZEROS : uniform(bound));
    }

    /** Channels to add to reach a multiple of {@code multiple}. */
    private static int padding(int channels, int multiple) {
        return (multiple - channels % multiple) % multiple;
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        int addOut = training ? extraOut : 0;
        if (extraIn == 0 && addOut == 0) {
            return convolve(x, w, b);
        }
        // Zeros first: an op's result belongs to its first operand's manager, and one owned by the parameter's (the
        // model's) manager would stay, with its autograd node, for as long as the model: a leak per call.
        NDManager scope = x.getManager();
        if (extraIn > 0) {
            Shape xs = x.getShape();
            x = scope.zeros(new Shape(xs.get(0), extraIn, xs.get(2), xs.get(3)), x.getDataType(), x.getDevice())
                    .concat(x, 1);
            w = scope.zeros(new Shape(out, extraIn, kernel, kernel), w.getDataType(), w.getDevice()).concat(w, 1);
        }
        if (addOut == 0) {
            return convolve(x, w, b);
        }
        Shape ws = w.getShape();
        NDArray wide = scope.zeros(new Shape(addOut, ws.get(1), kernel, kernel), w.getDataType(), w.getDevice())
                .concat(w, 0);
        NDArray wideBias = scope.zeros(new Shape(addOut), b.getDataType(), b.getDevice()).concat(b, 0);
        return convolve(x, wide, wideBias).get(keepOwnChannels);
    }

    /** This layer's convolution of x with the given weight and bias, as is (ConvCheck's reference uses it too). */
    NDArray convolve(NDArray x, NDArray w, NDArray b) {
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
