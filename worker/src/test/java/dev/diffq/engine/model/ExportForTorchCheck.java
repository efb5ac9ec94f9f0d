package dev.diffq.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Developer tool, not a test: writes a preset's randomised parameters (in registration order, p0000...),
 * an input batch and the DJL output to an .npz, for src/test/python/check_numerics.py to recompute in
 * PyTorch. Args: preset out.npz
 */
public final class ExportForTorchCheck {
    public static void main(String[] args) throws Exception {
        UNetConfig cfg = UNetConfig.preset(args[0]);
        UNet net = new UNet(cfg);
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(1);
            net.initialize(manager, DataType.FLOAT32, net.inputShapes(2));
            NDList out = new NDList();
            int i = 0;
            for (Parameter p : net.getParameters().values()) {
                // Random values everywhere, so the zero-initialised layers are checked too.
                float bound = (float) (1.0 / Math.sqrt(Math.max(1, p.getShape().size() / p.getShape().get(0))));
                NDArray v = manager.randomUniform(-bound, bound, p.getShape()).add(p.getType() == Parameter.Type.GAMMA ? 1f : 0f);
                p.getArray().set(v.toFloatArray());
                NDArray copy = p.getArray().duplicate();
                copy.setName(String.format("p%04d", i++));
                out.add(copy);
            }
            int s = cfg.imageSize();
            NDArray x = manager.randomNormal(new Shape(2, cfg.inChannels(), s, s));
            NDArray t = manager.create(new float[] {3f, 871f});
            NDArray labels = manager.create(new long[] {4, cfg.nullClass()});
            NDArray y = net.forward(new ParameterStore(manager, false), new NDList(x, t, labels), false).singletonOrThrow();
            x.setName("x");
            t.setName("t");
            labels.setName("labels");
            y.setName("out");
            out.addAll(new NDList(x, t, labels, y));
            try (OutputStream os = Files.newOutputStream(Path.of(args[1]))) {
                out.encode(os, NDList.Encoding.NPZ);
            }
        }
    }
}
