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
 *
 * <p>Parameters flagged at construction take the {@link Muon} update instead, with the same learning rate and decay:
 * their first moment holds Muon's momentum and their second stays zero, so the saved state has one shape either way.
 */
public final class AdamW implements AutoCloseable {

    public static final double BETA1 = 0.9;
    /** The paper's second-moment decay; training runs default to 0.99 ({@link TrainConfig.Builder#adamBeta2}). */
    public static final double PAPER_BETA2 = 0.999;
    public static final double EPSILON = 1e-8;

    private final List<NDArray> m = new ArrayList<>();
    private final List<NDArray> v = new ArrayList<>();
    private final double weightDecay;
    private final double beta2;
    private final boolean[] flags;
    private final Muon muon;
    private long stepCount;

    /** Zero moments shaped like {@code params}, on {@code manager}, with beta2 = {@link #PAPER_BETA2}. */
    public AdamW(NDManager manager, List<NDArray> params, double weightDecay) {
        this(manager, params, weightDecay, PAPER_BETA2);
    }

    /** Zero moments shaped like {@code params}, on {@code manager}; {@code beta2} is the second-moment decay. */
    public AdamW(NDManager manager, List<NDArray> params, double weightDecay, double beta2) {
        this(manager, params, weightDecay, beta2, new boolean[params.size()]);
    }

    /** As above, with {@code muonFlags[i]} saying whether parameter i takes the {@link Muon} update. */
    public AdamW(NDManager manager, List<NDArray> params, double weightDecay, double beta2, boolean[] muonFlags) {
        if (muonFlags.length != params.size()) {
            throw new IllegalArgumentException("muon flags cover " + muonFlags.length + " parameters, not " + params.size());
        }
        this.flags = muonFlags.clone();
        this.muon = new Muon(params.stream().map(NDArray::getShape).toList(), flags);
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("adam beta2 must be in [0, 1), got " + beta2);
        }
        this.weightDecay = weightDecay;
        this.beta2 = beta2;
        for (NDArray p : params) {
            m.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            v.add(manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        }
    }

    public long stepCount() {
        return stepCount;
    }

    /**
     * One update of every parameter from its gradient, then clears the parameters' gradients.
     *
     * <p>Uses the engine's fused Adam kernel (one native call per parameter instead of a dozen element-wise ops).
     * That kernel computes {@code p -= lrB * m / (sqrt(v) + epsB)} with raw moments; choosing
     * {@code lrB = lr * sqrt(bc2) / bc1} and {@code epsB = eps * sqrt(bc2)} makes it equal, term for term, to
     * {@code p -= lr * m_hat / (sqrt(v_hat) + eps)} with the bias-corrected moments of the paper; its decoupled
     * decay is {@code p -= lr * wd * p}, applied before the moment update.
     */
    public void step(List<NDArray> params, List<NDArray> grads, double lr) {
        stepCount++;
        double bc1 = 1 - Math.pow(BETA1, stepCount);
        double bc2 = 1 - Math.pow(beta2, stepCount);
        float lrCorrected = (float) (lr * Math.sqrt(bc2) / bc1);
        float epsCorrected = (float) (EPSILON * Math.sqrt(bc2));
        for (int i = 0; i < params.size(); i++) {
            NDArray p = params.get(i);
            if (flags[i]) {
                continue;
            }
            p.getNDArrayInternal().adamUpdate(new NDList(p, grads.get(i), m.get(i), v.get(i)), new NDList(p),
                    (float) lr, lrCorrected, (float) weightDecay, 1f, -1f, (float) BETA1, (float) beta2, epsCorrected,
                    false, true);
        }
        muon.step(params, grads, m, lr, weightDecay);
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
