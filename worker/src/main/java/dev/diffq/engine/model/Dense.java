package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;

/** Fully connected layer y = x W^T + b with PyTorch's default initialisation. */
final class Dense extends Layer {
    final int in;
    final int out;
    private final Parameter weight;
    private final Parameter bias;

    Dense(int in, int out) {
        this.in = in;
        this.out = out;
        float bound = (float) (1.0 / Math.sqrt(in));
        weight = param("weight", Parameter.Type.WEIGHT, new Shape(out, in), uniform(bound));
        bias = param("bias", Parameter.Type.BIAS, new Shape(out), uniform(bound));
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        NDArray w = ps.getValue(weight, x.getDevice(), training);
        NDArray b = ps.getValue(bias, x.getDevice(), training);
        return Linear.linear(x, w, b).singletonOrThrow();
    }

    long macs() {
        return (long) in * out;
    }
}
