package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.diffq.engine.model.UNetConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntPredicate;

/**
 * A few-hundred-parameter stand-in with the UNet's interface (x, t, labels) -> out, so trainer tests run in
 * milliseconds. It records the labels it was given.
 */
final class TinyDenoiser extends AbstractBlock {

    final List<Long> seenLabels = new ArrayList<>();
    private final int classes;
    /** Training forward calls (1-based) whose output is made infinite, to test the trainer's handling. */
    private final IntPredicate infiniteAt;
    private final boolean gradientOnly;
    private int trainingCalls;
    private final Conv2d in;
    private final Conv2d out;
    private final Linear time;
    private final Linear label;

    TinyDenoiser(UNetConfig c) {
        this(c, call -> false);
    }

    TinyDenoiser(UNetConfig c, IntPredicate infiniteAt) {
        this(c, infiniteAt, false);
    }

    /**
     * With {@code gradientOnly}, the poisoned calls keep a finite output and instead give the "time" layer a NaN
     * gradient (through sqrt(0 * te), whose value is 0 and whose gradient is 0 * inf).
     */
    TinyDenoiser(UNetConfig c, IntPredicate infiniteAt, boolean gradientOnly) {
        this.infiniteAt = infiniteAt;
        this.gradientOnly = gradientOnly;
        classes = c.numClasses() + 1;
        in = addChildBlock("in", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(4).build());
        out = addChildBlock("out", Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .setFilters(c.inChannels()).build());
        time = addChildBlock("time", Linear.builder().setUnits(4).build());
        label = addChildBlock("label", Linear.builder().setUnits(4).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray t = inputs.get(1);
        NDArray labels = inputs.get(2);
        for (long l : labels.toLongArray()) {
            seenLabels.add(l);
        }
        long n = x.getShape().get(0);
        NDArray h = in.forward(ps, new NDList(x), training).head();
        NDArray te = time.forward(ps, new NDList(t.div(1000f).reshape(n, 1)), training).head();
        NDArray le = label.forward(ps, new NDList(labels.oneHot(classes).toType(DataType.FLOAT32, false)), training).head();
        h = Activation.relu(h.add(te.add(le).reshape(n, 4, 1, 1)));
        NDList result = out.forward(ps, new NDList(h), training);
        if (training && infiniteAt.test(++trainingCalls)) {
            return new NDList(gradientOnly ? result.head().add(te.mul(0f).sqrt().sum())
                    : result.head().add(Float.POSITIVE_INFINITY));
        }
        return result;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        in.initialize(manager, dataType, x);
        out.initialize(manager, dataType, new Shape(x.get(0), 4, x.get(2), x.get(3)));
        time.initialize(manager, dataType, new Shape(x.get(0), 1));
        label.initialize(manager, dataType, new Shape(x.get(0), classes));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
