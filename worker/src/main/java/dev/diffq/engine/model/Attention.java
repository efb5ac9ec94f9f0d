package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;

/**
 * Self-attention over positions: GN, Conv1x1(c -> 3c) giving q, k, v (in that channel order, each
 * split into {@link #HEADS} heads of c/4 contiguous channels), softmax(q^T k / sqrt(c/4)) over key
 * positions, weighted sum of v, Conv1x1(c -> c), added to the input. Heads are folded into the batch
 * axis so the two products are single batched matmuls. The output conv starts at zero so the block starts as
 * the identity.
 *
 * <p>The first product takes a copy of the transposed queries, not the transposed view: with the view, libtorch
 * 2.7.1 on the CPU now and then returned a garbage gradient (docs/BENCHMARKS.md, "Attention backward pass").
 * AttentionTest repeats the backward pass and compares.
 */
final class Attention extends Layer {
    static final int HEADS = 4;
    final int channels;
    private final GroupNorm norm;
    private final Conv qkv;
    private final Conv proj;

    Attention(int channels) {
        if (channels % HEADS != 0) {
            throw new IllegalArgumentException("attention channels must be a multiple of " + HEADS + ", got " + channels);
        }
        this.channels = channels;
        norm = addChildBlock("norm", new GroupNorm(channels));
        qkv = addChildBlock("qkv", new Conv(channels, 3 * channels, 1, 1, false));
        proj = addChildBlock("proj", new Conv(channels, channels, 1, 1, true));
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long n = s.get(0);
        long positions = s.get(2) * s.get(3);
        long headDim = channels / HEADS;
        NDList qkvSplit = qkv.apply(ps, norm.apply(ps, x, training, false), training)
                .reshape(n, 3, HEADS * headDim * positions)
                .split(3, 1);
        Shape heads = new Shape(n * HEADS, headDim, positions);
        NDArray q = qkvSplit.get(0).reshape(heads).mul((float) (1.0 / Math.sqrt(headDim)));
        NDArray k = qkvSplit.get(1).reshape(heads);
        NDArray v = qkvSplit.get(2).reshape(heads);
        NDArray weights = q.transpose(0, 2, 1).duplicate().matMul(k).softmax(2); // [B, query, key]
        NDArray attended = v.matMul(weights.transpose(0, 2, 1)); // [B, headDim, query]
        return x.add(proj.apply(ps, attended.reshape(s), training));
    }

    long macs(int size) {
        // Convolutions only, as the preset table counts them (the two attention products are not included).
        return qkv.macs(size, size) + proj.macs(size, size);
    }
}
