package dev.diffq.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch's fused GroupNorm and SiLU kernels, which DJL does not expose, reached through a tiny
 * TorchScript modules shipped as resources (group_norm_silu.pt, group_norm.pt, silu.pt, made by
 * src/test/python/make_fused_ops.py; DJL runs only a module's forward with autograd, so one module per op).
 * One fused call replaces layer-norm + reshape + scale + shift + sigmoid + multiply and their
 * backward passes: about a tenth of a training step. Autograd records the ops the TorchScript
 * interpreter runs, so gradients flow as with the composed form.
 *
 * <p>When a module cannot be loaded (another engine, a corrupt resource) {@link #available}
 * returns empty and the callers use the composed DJL ops; {@code -Ddiffq.fusedOps=false} forces that.
 */
final class FusedOps {
    private static final Logger LOG = LoggerFactory.getLogger(FusedOps.class);
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("diffq.fusedOps"));
    private static final Map<Device, Optional<FusedOps>> BY_DEVICE = new ConcurrentHashMap<>();

    private final PtSymbolBlock groupNormSilu;
    private final PtSymbolBlock groupNorm;
    private final PtSymbolBlock silu;

    private FusedOps(PtSymbolBlock groupNormSilu, PtSymbolBlock groupNorm, PtSymbolBlock silu) {
        this.groupNormSilu = groupNormSilu;
        this.groupNorm = groupNorm;
        this.silu = silu;
    }

    /** The fused ops for the device of {@code like}, loaded once per device and kept for the JVM's life. */
    static Optional<FusedOps> available(NDArray like) {
        if (!ENABLED || !(like instanceof PtNDArray)) {
            return Optional.empty();
        }
        return BY_DEVICE.computeIfAbsent(like.getDevice(), FusedOps::load);
    }

    private static Optional<FusedOps> load(Device device) {
        try {
            PtNDManager manager = (PtNDManager) Engine.getEngine("PyTorch").newBaseManager(device);
            return Optional.of(new FusedOps(module(manager, "group_norm_silu.pt"), module(manager, "group_norm.pt"),
                    module(manager, "silu.pt")));
        } catch (Exception | UnsatisfiedLinkError e) {
            LOG.warn("cannot load the fused-op TorchScript modules: using composed GroupNorm/SiLU ({})", e.toString());
            return Optional.empty();
        }
    }

    private static PtSymbolBlock module(PtNDManager manager, String resource) throws IOException {
        try (InputStream in = FusedOps.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new FileNotFoundException(resource + " is not on the classpath");
            }
            return JniUtils.loadModule(manager, in, true, false);
        }
    }

    /** SiLU(GroupNorm_8(x) * gamma + beta); gamma and beta have shape (C, 1, 1). */
    NDArray groupNormSilu(NDArray x, NDArray gamma, NDArray beta) {
        return run(groupNormSilu, x, gamma, beta);
    }

    NDArray groupNorm(NDArray x, NDArray gamma, NDArray beta) {
        return run(groupNorm, x, gamma, beta);
    }

    NDArray silu(NDArray x) {
        return run(silu, x);
    }

    /**
     * Runs with autograd whenever gradients are being recorded; otherwise DJL runs the module in
     * inference mode, whose tensors cannot take part in a backward pass.
     */
    private static NDArray run(PtSymbolBlock module, NDArray... inputs) {
        return IValueUtils.forward(module, new NDList(inputs), JniUtils.isGradMode()).singletonOrThrow();
    }
}
