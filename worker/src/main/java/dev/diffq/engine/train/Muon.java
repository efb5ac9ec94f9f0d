package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Muon (Jordan et al. 2024, "Muon: an optimizer for hidden layers"): the update of a weight matrix is its Nesterov
 * momentum made orthogonal, every singular value moved near 1, by five Newton-Schulz steps. Seen as a matrix of
 * (output, input x kernel), a convolution's weight is updated the same way. Scaled by {@code 0.2 sqrt(max(rows,
 * cols))} (Liu et al. 2025, "Muon is scalable for LLM training"), an update has about the RMS of an AdamW one, so
 * the same learning rate and schedule serve both.
 *
 * <p>It is meant for the hidden layers: the first and last layer and embedding tables stay with AdamW
 * ({@link #appliesTo}), as do biases and norm scales.
 */
public final class Muon {

    public static final double MOMENTUM = 0.95;
    /** The RMS match: an orthogonal (rows x cols) matrix has RMS 1/sqrt(max(rows, cols)); AdamW's updates have ~0.2. */
    public static final double RMS_MATCH = 0.2;
    public static final int NEWTON_SCHULZ_STEPS = 5;
    // The quintic's coefficients from the reference implementation: fast to reach [0.7, 1.2], not exactly 1.
    private static final float A = 3.4445f;
    private static final float B = -4.7750f;
    private static final float C = 2.0315f;

    private Muon() {
    }

    /**
     * Whether Muon updates the parameter {@code name} of this shape: a weight of two or more dimensions, except the
     * UNet's input and output convolutions and its class table (the embedding and the read-out, where Muon's
     * authors keep AdamW).
     */
    public static boolean appliesTo(String name, Shape shape) {
        String bare = name.replaceFirst("^\\d+", ""); // DJL numbers the children of a block: "03input_conv_weight"
        return shape.dimension() >= 2 && bare.endsWith("weight")
                && !bare.startsWith("input_conv") && !bare.startsWith("out_conv");
    }

    /**
     * An approximately orthogonal matrix with the row and column spaces of {@code g} (rows x cols, any order), the
     * result on {@code g}'s manager.
     */
    public static NDArray orthogonalize(NDArray g) {
        long rows = g.getShape().get(0);
        long cols = g.getShape().get(1);
        boolean wide = rows <= cols; // iterate on the smaller Gram matrix
        NDArray x = wide ? g : g.transpose();
        x = x.div(x.norm().add(1e-7f)); // every singular value <= 1, where the iteration converges
        for (int k = 0; k < NEWTON_SCHULZ_STEPS; k++) {
            NDArray gram = x.matMul(x.transpose());
            NDArray poly = gram.mul(B).add(gram.matMul(gram).mul(C));
            x = x.mul(A).add(poly.matMul(x));
        }
        return wide ? x : x.transpose();
    }

    /**
     * One update of {@code param} in place: {@code momentum = 0.95 momentum + grad}, then
     * {@code param -= lr (rms match) orthogonalize(grad + 0.95 momentum)} after the decoupled decay
     * {@code param *= 1 - lr wd}; then clears the gradient.
     */
    static void step(NDArray param, NDArray grad, NDArray momentum, double lr, double weightDecay) {
        Shape shape = param.getShape();
        long rows = shape.get(0);
        long cols = shape.size() / rows;
        try (NDManager scratch = momentum.getManager().newSubManager()) {
            momentum.muli((float) MOMENTUM).addi(grad);
            NDArray nesterov = momentum.mul((float) MOMENTUM);
            nesterov.attach(scratch);
            NDArray update = orthogonalize(nesterov.addi(grad).reshape(rows, cols))
                    .mul((float) (lr * RMS_MATCH * Math.sqrt(Math.max(rows, cols))))
                    .reshape(shape);
            // In place through a detached view: parameters require gradients (see Tensors.copyInto).
            try (NDArray target = param.stopGradient()) {
                if (weightDecay > 0) {
                    target.muli((float) (1 - lr * weightDecay));
                }
                target.subi(update);
            }
            Tensors.clearGradient(grad); // as AdamW's kernel does
        }
    }
}
