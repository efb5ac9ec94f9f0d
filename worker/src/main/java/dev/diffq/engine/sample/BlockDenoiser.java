package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.diffq.engine.model.ForwardBudget;

/**
 * Adapts a DJL block with the UNet's calling convention, forward(NDList(x [N,C,H,W], t [N] float32,
 * labels [N] int64)) -> NDList(out), to a {@link Denoiser}: inference mode, no gradients recorded. A batch larger
 * than {@code imagesPerPass} runs as pieces of at most that many images, one after another ({@link ForwardBudget}
 * says why: on the CPU large passes cost up to 6x more per image).
 */
public final class BlockDenoiser implements Denoiser {

    private final Block block;
    private final ParameterStore parameters;
    private final int imagesPerPass;

    public BlockDenoiser(Block block, NDManager manager, int imagesPerPass) {
        if (imagesPerPass < 1) {
            throw new IllegalArgumentException("imagesPerPass must be >= 1, got " + imagesPerPass);
        }
        this.block = block;
        this.imagesPerPass = imagesPerPass;
        // copy = false: parameters are used where they live (one device per worker).
        this.parameters = new ParameterStore(manager, false);
    }

    @Override
    public NDArray predict(NDArray xt, NDArray t, NDArray labels) {
        NDArray tFloat = t.toType(DataType.FLOAT32, false);
        NDArray l = labels.toType(DataType.INT64, false);
        long n = xt.getShape().get(0);
        if (n <= imagesPerPass) {
            return pass(xt, tFloat, l);
        }
        NDList pieces = new NDList();
        for (NDIndex range : ForwardBudget.pieces(n, imagesPerPass)) {
            pieces.add(pass(xt.get(range), tFloat.get(range), l.get(range)));
        }
        return NDArrays.concat(pieces);
    }

    private NDArray pass(NDArray xt, NDArray t, NDArray labels) {
        return block.forward(parameters, new NDList(xt, t, labels), false).singletonOrThrow();
    }
}
