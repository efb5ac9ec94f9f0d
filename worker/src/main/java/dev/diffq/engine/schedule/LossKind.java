package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;

import java.util.Locale;

/**
 * Per-sample regression loss between model output and target, averaged over every axis but the batch
 * axis. HUBER is the standard Huber loss with delta = 1 (0.5 d^2 for |d| <= 1, |d| - 0.5 beyond).
 */
public enum LossKind {
    L2,
    L1,
    HUBER;

    public static final double HUBER_DELTA = 1.0;

    public static LossKind parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "l2", "mse" -> { return L2; }
                case "l1", "mae" -> { return L1; }
                case "huber" -> { return HUBER; }
                default -> { }
            }
        }
        throw new IllegalArgumentException("unknown loss '" + s + "': choose one of l2, l1, huber");
    }

    /** [N] losses: the element loss averaged over C, H, W. */
    public NDArray perSample(NDArray pred, NDArray target) {
        NDArray d = pred.sub(target);
        NDArray elementLoss = switch (this) {
            case L2 -> d.square();
            case L1 -> d.abs();
            case HUBER -> {
                // Branch-free Huber: q = min(|d|, delta); 0.5 q^2 + delta (|d| - q).
                NDArray a = d.abs();
                NDArray q = a.minimum((float) HUBER_DELTA);
                yield q.square().mul(0.5f).add(a.sub(q).mul((float) HUBER_DELTA));
            }
        };
        if (elementLoss.getShape().dimension() <= 1) {
            return elementLoss;
        }
        // PyTorch's DJL mean takes one axis: flatten the per-sample axes first.
        return elementLoss.reshape(elementLoss.getShape().get(0), -1).mean(new int[] {1});
    }
}
