package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter) over a list of parameter arrays, written out so that its whole state (first and second
 * moments per parameter and the step count) can be saved and restored exactly. Weight decay is decoupled:
 * {@code p -= lr * wd * p}. Call it outside any gradient collector; updates are in place.
 */
public final class AdamW implements AutoCloseable {

    public static final double BETA1 = 0.9;
    public static final double BETA2 = 0.999;
    public static final double EPSILON = 1e-8;

    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final double weightDecay;
    private long stepCount;

    /** Zero moments shaped like {@code params}, on {@code manager}. */
    public AdamW(NDManager manager, List<NDArray> params, double weightDecay) {
        this.weightDecay = weightDecay;
        for (NDArray p : params) {
            m.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            v.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
    }

    public long stepCount() {
        return stepCount;
    }

    /** One update of every parameter from its gradient. Temporaries are closed before returning. */
    public void step(List<NDArray> params, List<NDArray> grads, double lr) {
        stepCount++;
        double bc1 = 1 - Math.pow(BETA1, stepCount);
        double bc2 = 1 - Math.pow(BETA2, stepCount);
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            NDArray g = grads.get(i);
            NDArray mi = m.get(i);
            NDArray vi = v.get(i);
            try (NDManager scratch = g.getManager().newSubManager()) {
                NDArray g1 = g.duplicate();
                g1.attach(scratch);
                NDArray g2 = g1.square();
                g2.attach(scratch);
                // m = b1 m + (1 - b1) g ; v = b2 v + (1 - b2) g^2
                mi.muli(BETA1).addi(g1.muli(1 - BETA1));
                vi.muli(BETA2).addi(g2.muli(1 - BETA2));
                // p -= lr * (m / bc1) / (sqrt(v / bc2) + eps) + lr * wd * p
                NDArray scaledV = vi.div(bc2);
                scaledV.attach(scratch);
                NDArray denom = scaledV.sqrt();
                denom.attach(scratch);
                denom.addi(EPSILON);
                NDArray update = mi.div(denom);
                update.attach(scratch);
                update.muli(lr / bc1);
                if (weightDecay > 0) {
                    p.muli(1 - lr * weightDecay);
                }
                p.subi(update);
            }
        }
    }

    /** The moments in parameter order (m then v, each list as long as the parameter list). */
    public NDList firstMoments() {
        return new NDList(m);
    }

    public NDList secondMoments() {
        return new NDList(v);
    }

    /** Restores a saved state; arrays are copied into the existing moments. */
    public void restore(List<NDArray> firstMoments, List<NDArray> secondMoments, long stepCount) {
        if (firstMoments.size() != m.size() || secondMoments.size() != v.size()) {
            throw new IllegalArgumentException("optimizer state holds " + firstMoments.size() + " moments but the model has "
                    + m.size() + " parameters: the checkpoint was made for another model");
        }
        for (int i = 0; i < m.size(); i++) {
            Tensors.copyInto(firstMoments.get(i), m.get(i), "optimizer m[" + i + "]");
            Tensors.copyInto(secondMoments.get(i), v.get(i), "optimizer v[" + i + "]");
        }
        this.stepCount = stepCount;
    }

    @Override
    public void close() {
        m.forEach(NDArray::close);
        v.forEach(NDArray::close);
    }
}
