package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * Adapts a DJL block with the UNet's calling convention, forward(NDList(x [N,C,H,W], t [N] float32,
 * labels [N] int64)) -> NDList(out), to a {@link Denoiser}: inference mode, no gradients recorded.
 */
public final class BlockDenoiser implements Denoiser {

    private final Block block;
    private final ParameterStore parameters;

    public BlockDenoiser(Block block, NDManager manager) {
        this.block = block;
        // copy = false: parameters are used where they live (one device per worker).
        this.parameters = new ParameterStore(manager, false);
    }

    @Override
    public NDArray predict(NDArray xt, NDArray t, NDArray labels) {
        NDArray tFloat = t.toType(DataType.FLOAT32, false);
        NDArray l = labels.toType(DataType.INT64, false);
        return block.forward(parameters, new NDList(xt, tFloat, l), false).singletonOrThrow();
    }
}
