package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.util.ArrayList;
import java.util.List;

/** Small helpers over lists of parameter-shaped arrays: global norm, clipping, EMA, copies. */
public final class Tensors {

    private Tensors() {
    }

    /** sqrt(sum over all arrays of sum(g^2)): the global L2 norm, as one number. */
    public static double globalNorm(List<NDArray> grads) {
        if (grads.isEmpty()) {
            return 0;
        }
        try (NDManager scratch = grads.get(0).getManager().newSubManager()) {
            NDArray total = null;
            for (NDArray g : grads) {
                NDArray sq = g.square();
                sq.attach(scratch);
                NDArray s = sq.sum();
                s.attach(scratch);
                total = total == null ? s : total.add(s);
                total.attach(scratch);
            }
            return Math.sqrt(total.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble());
        }
    }

    /**
     * Indices of the arrays that hold a NaN or an infinite value, in list order. A few reductions per array, so it is
     * for diagnosing a bad step, not for every step.
     */
    public static List<Integer> nonFinite(List<NDArray> arrays) {
        List<Integer> bad = new ArrayList<>();
        for (int i = 0; i < arrays.size(); i++) {
            NDArray a = arrays.get(i);
            try (NDArray nan = a.isNaN(); NDArray anyNan = nan.any(); NDArray inf = a.isInfinite();
                    NDArray anyInf = inf.any()) {
                if (anyNan.getBoolean() || anyInf.getBoolean()) {
                    bad.add(i);
                }
            }
        }
        return bad;
    }

    /**
     * Scales all gradients by {@code maxNorm / norm} when their global norm exceeds {@code maxNorm} (no-op when
     * {@code maxNorm <= 0}); returns the norm before clipping.
     */
    public static double clipGlobalNorm(List<NDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && norm > maxNorm) {
            double scale = maxNorm / (norm + 1e-6);
            for (NDArray g : grads) {
                g.muli(scale);
            }
        }
        return norm;
    }

    /** The EMA decay at EMA step {@code k}: min(decay, (1 + k) / (10 + k)), so early averages do not lag. */
    public static double emaDecayAt(double decay, long k) {
        return Math.min(decay, (1.0 + k) / (10.0 + k));
    }

    /** {@code ema = d * ema + (1 - d) * param}, in place. */
    public static void emaUpdate(List<NDArray> ema, List<NDArray> params, double d) {
        for (int i = 0; i < ema.size(); i++) {
            NDArray e = ema.get(i);
            try (NDArray scaled = params.get(i).mul(1 - d)) {
                e.muli(d).addi(scaled);
            }
        }
    }

    /**
     * Copies values of {@code src} (any device) into the existing storage of {@code dst}, which must have the same
     * shape. (Not {@code dst.set(buffer)}: on CPU that makes the tensor borrow a Java-managed buffer instead of
     * copying into its own memory.)
     */
    public static void copyInto(NDArray src, NDArray dst, String what) {
        if (!src.getShape().equals(dst.getShape())) {
            throw new IllegalArgumentException(what + ": shape " + src.getShape() + " in the checkpoint but "
                    + dst.getShape() + " in the model: the checkpoint was made for another model config");
        }
        if (src.getDataType() != dst.getDataType()) {
            throw new IllegalArgumentException(what + ": data type " + src.getDataType() + " in the checkpoint but "
                    + dst.getDataType() + " in the model");
        }
        // Written through a detached view of the same storage: model parameters require gradients, and on a
        // thread in grad mode (PyTorch's default for a fresh thread) an in-place write into them is refused.
        try (NDArray target = dst.stopGradient()) {
            if (src.getDevice().equals(dst.getDevice())) {
                target.set(ALL, src);
            } else {
                try (NDArray moved = src.toDevice(dst.getDevice(), true)) {
                    target.set(ALL, moved);
                }
            }
        }
    }

    private static final ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

    /**
     * Sets a gradient to zero in place, as an update must (gradients add up across backward passes). Overwritten, not
     * multiplied or subtracted: NaN * 0 and NaN - NaN stay NaN.
     */
    public static void clearGradient(NDArray grad) {
        grad.set(ALL, 0f);
    }

    public static void copyAll(List<NDArray> src, List<NDArray> dst) {
        for (int i = 0; i < src.size(); i++) {
            copyInto(src.get(i), dst.get(i), "array " + i);
        }
    }
}
