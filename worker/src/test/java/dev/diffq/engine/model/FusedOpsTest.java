package dev.diffq.engine.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The fused TorchScript GroupNorm/SiLU must load and compute what the composed DJL ops compute, gradients included. */
class FusedOpsTest {

    @Test
    void fusedOpsLoadAndMatchComposedOpsForwardAndBackward() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray probe = manager.zeros(new Shape(1));
            FusedOps fused = FusedOps.available(probe)
                    .orElseThrow(() -> new AssertionError("fused ops did not load (see the log)"));
            NDArray x = manager.randomNormal(new Shape(3, 16, 5, 6));
            NDArray gamma = manager.randomNormal(new Shape(16, 1, 1));
            NDArray beta = manager.randomNormal(new Shape(16, 1, 1));

            compare(x, gamma, beta, in -> fused.groupNormSilu(in[0], in[1], in[2]),
                    in -> GroupNorm.composed(in[0], in[1], in[2], true));
            compare(x, gamma, beta, in -> fused.groupNorm(in[0], in[1], in[2]),
                    in -> GroupNorm.composed(in[0], in[1], in[2], false));
            compare(x, gamma, beta, in -> fused.silu(in[0]), in -> Ops.composedSilu(in[0]));
        }
    }

    private static void compare(NDArray x, NDArray gamma, NDArray beta,
            Function<NDArray[], NDArray> fused, Function<NDArray[], NDArray> composed) {
        NDArray[] a = run(x, gamma, beta, fused);
        NDArray[] b = run(x, gamma, beta, composed);
        String[] what = {"output", "grad x", "grad gamma", "grad beta"};
        for (int i = 0; i < a.length; i++) {
            assertTrue(a[i].allClose(b[i], 1e-4, 1e-4, false), what[i] + " differs");
        }
    }

    /** Output and the gradients of a weighted sum of it (so every element's gradient differs). */
    private static NDArray[] run(NDArray x, NDArray gamma, NDArray beta, Function<NDArray[], NDArray> f) {
        NDArray[] in = {x.duplicate(), gamma.duplicate(), beta.duplicate()};
        for (NDArray a : in) {
            a.setRequiresGradient(true);
        }
        NDArray out;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            out = f.apply(in);
            NDArray weights = x.getManager().arange((float) out.size()).reshape(out.getShape()).div(out.size());
            collector.backward(out.mul(weights).sum());
        }
        return new NDArray[] {out.duplicate(), in[0].getGradient().duplicate(), in[1].getGradient().duplicate(),
            in[2].getGradient().duplicate()};
    }
}
