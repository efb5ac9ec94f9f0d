package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;

/** Element-wise functions DJL does not offer as blocks. */
final class Ops {
    private Ops() {}

    /** SiLU(x) = x * sigmoid(x). DJL has no fused SiLU; this two-op form is the fastest available (facts.md). */
    static NDArray silu(NDArray x) {
        return x.mul(x.getNDArrayInternal().sigmoid());
    }
}
