package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;

/** Element-wise functions DJL does not offer as blocks. */
final class Ops {
    private Ops() {}

    /** SiLU(x) = x * sigmoid(x): PyTorch's fused kernel where {@link FusedOps} is available. */
    static NDArray silu(NDArray x) {
        return FusedOps.available(x).map(f -> f.silu(x)).orElseGet(() -> composedSilu(x));
    }

    /** SiLU from DJL ops: DJL has no fused SiLU; this two-op form is the fastest it offers. */
    static NDArray composedSilu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }
}
