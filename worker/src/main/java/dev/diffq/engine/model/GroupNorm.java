package dev.diffq.engine.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * GroupNorm (PyTorch semantics, eps 1e-5) with per-channel gamma and beta, optionally followed by SiLU.
 * DJL has no GroupNorm; the fastest form measured is reshape to (N, G, rest) and the native fused
 * layer norm over the last axis with constant unit weight, then the per-channel affine.
 */
final class GroupNorm extends Layer {
    static final int GROUPS = 8;
    private static final float EPS = 1e-5f;

    final int channels;
    private final Parameter gamma;
    private final Parameter beta;

    GroupNorm(int channels) {
        if (channels % GROUPS != 0) {
            throw new IllegalArgumentException("GroupNorm channels must be a multiple of " + GROUPS + ", got " + channels);
        }
        this.channels = channels;
        // Stored as (C, 1, 1) so they broadcast over (N, C, H, W) without a per-step reshape: a reshape of a
        // parameter would be owned by the model's NDManager and so never freed until the model closes.
        gamma = param("gamma", Parameter.Type.GAMMA, new Shape(channels, 1, 1), Initializer.ONES);
        beta = param("beta", Parameter.Type.BETA, new Shape(channels, 1, 1), Initializer.ZEROS);
    }

    NDArray apply(ParameterStore ps, NDArray x, boolean training, boolean silu) {
        NDArray g = ps.getValue(gamma, x.getDevice(), training);
        NDArray b = ps.getValue(beta, x.getDevice(), training);
        Optional<FusedOps> fused = FusedOps.available(x);
        if (fused.isPresent()) {
            return silu ? fused.get().groupNormSilu(x, g, b) : fused.get().groupNorm(x, g, b);
        }
        return composed(x, g, b, silu);
    }

    /** The same function from DJL's own ops (the fallback, and the reference the fused form is tested against). */
    static NDArray composed(NDArray x, NDArray g, NDArray b, boolean silu) {
        Shape s = x.getShape();
        long n = s.get(0);
        long rest = s.size() / (n * GROUPS);
        NDArray normed = LayerNorm.layerNorm(
                        x.reshape(n, GROUPS, rest), new Shape(rest),
                        Constants.ones(rest, x), Constants.zeros(rest, x), EPS)
                .singletonOrThrow()
                .reshape(s);
        NDArray y = normed.mul(g).add(b);
        return silu ? Ops.composedSilu(y) : y;
    }

    /**
     * Unit weight and zero bias vectors for the layer-norm call, cached per length and device for the
     * life of the JVM (a handful of small vectors; they need no gradient and are never written).
     */
    private static final class Constants {
        private static final Map<Device, NDManager> MANAGERS = new ConcurrentHashMap<>();
        private static final Map<String, NDArray> CACHE = new ConcurrentHashMap<>();

        static NDArray ones(long length, NDArray like) {
            return CACHE.computeIfAbsent("1/" + length + "/" + like.getDevice(),
                    k -> manager(like).ones(new Shape(length), DataType.FLOAT32));
        }

        static NDArray zeros(long length, NDArray like) {
            return CACHE.computeIfAbsent("0/" + length + "/" + like.getDevice(),
                    k -> manager(like).zeros(new Shape(length), DataType.FLOAT32));
        }

        private static NDManager manager(NDArray like) {
            return MANAGERS.computeIfAbsent(like.getDevice(),
                    d -> like.getManager().getEngine().newBaseManager(d));
        }
    }
}
