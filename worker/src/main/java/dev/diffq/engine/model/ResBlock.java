package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;

/**
 * ResBlock(cin, cout): GN, SiLU, Conv3x3; + Linear(emb -> cout) of SiLU(emb); GN, SiLU, [dropout], Conv3x3;
 * plus the input (through Conv1x1 when cin != cout). The second conv starts at zero so each block
 * starts as its skip path: the untrained network is a short, well-conditioned chain of identities
 * and 1x1 convs, which keeps activations and gradients at unit scale however deep the UNet is.
 */
final class ResBlock extends Layer {
    final int in;
    final int out;
    private final float dropout;
    private final GroupNorm norm1;
    private final Conv conv1;
    private final Dense timeProj;
    private final GroupNorm norm2;
    private final Conv conv2;
    private final Conv skip;

    ResBlock(int in, int out, int embedDim, float dropout) {
        this.in = in;
        this.out = out;
        this.dropout = dropout;
        norm1 = addChildBlock("norm1", new GroupNorm(in));
        conv1 = addChildBlock("conv1", new Conv(in, out, 3, 1, false));
        timeProj = addChildBlock("time_proj", new Dense(embedDim, out));
        norm2 = addChildBlock("norm2", new GroupNorm(out));
        conv2 = addChildBlock("conv2", new Conv(out, out, 3, 1, true));
        skip = in != out ? addChildBlock("skip", new Conv(in, out, 1, 1, false)) : null;
    }

    /** @param embSilu SiLU of the time(+class) embedding, [N, embedDim], shared by all blocks */
    NDArray apply(ParameterStore ps, NDArray x, NDArray embSilu, boolean training) {
        NDArray h = conv1.apply(ps, norm1.apply(ps, x, training, true), training);
        NDArray time = timeProj.apply(ps, embSilu, training);
        h = h.add(time.reshape(time.getShape().get(0), out, 1, 1));
        h = norm2.apply(ps, h, training, true);
        if (training && dropout > 0f) {
            h = Dropout.dropout(h, dropout, true).singletonOrThrow();
        }
        h = conv2.apply(ps, h, training);
        return h.add(skip == null ? x : skip.apply(ps, x, training));
    }

    long macs(int size) {
        long m = conv1.macs(size, size) + timeProj.macs() + conv2.macs(size, size);
        return skip == null ? m : m + skip.macs(size, size);
    }
}
