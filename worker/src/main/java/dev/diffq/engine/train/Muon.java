package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
    /** From this ratio of a matrix's long side to its short one, iterating on the Gram matrix is less work. */
    static final int GRAM_RATIO = 3;

    /** The flagged parameters of one shape, orthogonalized together as one batched product. */
    private record Group(int[] members, Shape shape, long rows, long cols, boolean viaGram) {}

    private final List<Group> groups = new ArrayList<>();

    /**
     * Muon for the parameters {@code i} with {@code flags[i]}, of the given shapes. Parameters of one shape share a
     * batched orthogonalization: a UNet has dozens of small matrices in a handful of shapes, and one chain of native
     * calls per shape instead of per matrix is most of Muon's cost on a CPU.
     */
    Muon(List<Shape> shapes, boolean[] flags) {
        this(shapes, flags, GRAM_RATIO);
    }

    /** As above, iterating on the Gram matrix of shapes whose long side is at least {@code gramRatio} x the short. */
    Muon(List<Shape> shapes, boolean[] flags, int gramRatio) {
        Map<Shape, List<Integer>> byShape = new LinkedHashMap<>();
        for (int i = 0; i < flags.length; i++) {
            if (flags[i]) {
                byShape.computeIfAbsent(shapes.get(i), k -> new ArrayList<>()).add(i);
            }
        }
        byShape.forEach((shape, members) -> {
            long rows = shape.get(0);
            long cols = shape.size() / rows;
            groups.add(new Group(members.stream().mapToInt(Integer::intValue).toArray(), shape, rows, cols,
                    isLong(rows, cols, gramRatio)));
        });
    }

    /** How many batched orthogonalizations a step runs: one per distinct shape. */
    int groupCount() {
        return groups.size();
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
     * result on {@code g}'s manager. A 3-D {@code g} (n x rows x cols) is n matrices, each orthogonalized alone.
     */
    public static NDArray orthogonalize(NDArray g) {
        int d = g.getShape().dimension();
        long rows = g.getShape().get(d - 2);
        long cols = g.getShape().get(d - 1);
        return orthogonalize(g, isLong(rows, cols, GRAM_RATIO));
    }

    /** Whether the long side is at least {@code ratio} times the short one (then the Gram iteration is less work). */
    private static boolean isLong(long rows, long cols, int ratio) {
        return (double) Math.max(rows, cols) >= (double) ratio * Math.min(rows, cols);
    }

    /**
     * {@link #orthogonalize(NDArray)}, iterating on the matrices themselves or ({@code viaGram}) on their small Gram
     * matrices only. Both compute the same polynomial: each step is {@code X <- P X} with
     * {@code P = a I + b G + c G^2}, {@code G = X X^T}, so {@code G <- P G P} and {@code X_5 = P_4 ... P_0 X_0}. For a
     * k x n matrix (k <= n) that is 4 k^2 n + 40 k^3 multiply-adds in all instead of 5 (4 k^2 n + 2 k^3): less work
     * once n is a few times k, as for most of a UNet's convolutions (64 x 576).
     */
    static NDArray orthogonalize(NDArray g, boolean viaGram) {
        int d = g.getShape().dimension();
        boolean wide = g.getShape().get(d - 2) <= g.getShape().get(d - 1); // iterate on the smaller Gram matrix
        NDArray x = wide ? g : transposeLast(g);
        // each matrix divided by its Frobenius norm: every singular value <= 1, where the iteration converges
        x = x.div(x.norm(new int[] {d - 2, d - 1}, true).add(1e-7f));
        if (viaGram) {
            NDArray gram = x.matMul(transposeLast(x));
            NDArray scaledEye = x.getManager().eye((int) gram.getShape().get(d - 1)).muli(A);
            NDArray product = null;
            for (int k = 0; k < NEWTON_SCHULZ_STEPS; k++) {
                NDArray poly = gram.matMul(gram).muli(C).addi(gram.mul(B)).addi(scaledEye);
                product = product == null ? poly : poly.matMul(product);
                if (k < NEWTON_SCHULZ_STEPS - 1) {
                    gram = poly.matMul(gram).matMul(poly);
                }
            }
            x = product.matMul(x);
        } else {
            for (int k = 0; k < NEWTON_SCHULZ_STEPS; k++) {
                NDArray gram = x.matMul(transposeLast(x));
                NDArray poly = gram.mul(B).add(gram.matMul(gram).mul(C));
                x = x.mul(A).add(poly.matMul(x));
            }
        }
        return wide ? x : transposeLast(x);
    }

    private static NDArray transposeLast(NDArray x) {
        return x.getShape().dimension() == 2 ? x.transpose() : x.transpose(0, 2, 1);
    }

    /**
     * One update of each Muon parameter in place: {@code momentum = 0.95 momentum + grad}, then
     * {@code param -= lr (rms match) orthogonalize(grad + 0.95 momentum)} after the decoupled decay
     * {@code param *= 1 - lr wd}; then clears its gradient. The lists are indexed like the flags.
     */
    void step(List<NDArray> params, List<NDArray> grads, List<NDArray> momenta, double lr, double weightDecay) {
        for (Group group : groups) {
            int n = group.members().length;
            try (NDManager scratch = momenta.get(group.members()[0]).getManager().newSubManager()) {
                NDList groupGrads = new NDList(n);
                NDList groupMomenta = new NDList(n);
                for (int i : group.members()) {
                    momenta.get(i).muli((float) MOMENTUM).addi(grads.get(i));
                    groupGrads.add(grads.get(i));
                    groupMomenta.add(momenta.get(i));
                }
                NDArray grad = NDArrays.stack(groupGrads);
                grad.attach(scratch);
                NDArray nesterov = NDArrays.stack(groupMomenta);
                nesterov.attach(scratch);
                NDArray matrices = nesterov.muli((float) MOMENTUM).addi(grad).reshape(n, group.rows(), group.cols());
                float scale = (float) (lr * RMS_MATCH * Math.sqrt(Math.max(group.rows(), group.cols())));
                NDArray update = orthogonalize(matrices, group.viaGram()).muli(scale);
                for (int k = 0; k < n; k++) {
                    int i = group.members()[k];
                    // In place through a detached view: parameters require gradients (see Tensors.copyInto).
                    try (NDArray target = params.get(i).stopGradient()) {
                        if (weightDecay > 0) {
                            target.muli((float) (1 - lr * weightDecay));
                        }
                        target.subi(update.get(k).reshape(group.shape()));
                    }
                    Tensors.clearGradient(grads.get(i)); // as AdamW's kernel does
                }
            }
        }
    }
}
