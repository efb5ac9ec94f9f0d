package dev.diffq.engine.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.diffq.engine.model.UNet;
import dev.diffq.engine.model.UNetConfig;

/**
 * Developer tool, not a test: records one training step of a preset with the PyTorch profiler into a
 * chrome-trace JSON (args: preset batch out.json), to find the hot operators.
 */
public final class ProfileTrainStep {
    public static void main(String[] args) {
        UNetConfig cfg = UNetConfig.preset(args[0]);
        int batch = Integer.parseInt(args[1]);
        UNet net = new UNet(cfg);
        Shape shape = new Shape(batch, cfg.inChannels(), cfg.imageSize(), cfg.imageSize());
        try (Model model = Model.newInstance("profile", Device.cpu())) {
            model.setBlock(net);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-4f)).build());
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(net.inputShapes(batch));
                for (int i = 0; i < 3; i++) {
                    if (i == 2) {
                        JniUtils.startProfile(false, true, false);
                    }
                    long start = System.nanoTime();
                    try (NDManager step = trainer.getManager().newSubManager()) {
                        NDArray x = step.randomNormal(shape);
                        NDArray t = step.randomUniform(0, 1000, new Shape(batch));
                        NDArray y = step.randomInteger(0, cfg.numClasses() + 1, new Shape(batch), DataType.INT64);
                        NDArray noise = step.randomNormal(shape);
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDArray loss = trainer.forward(new NDList(x, t, y)).singletonOrThrow().sub(noise).square().mean();
                            gc.backward(loss);
                        }
                        trainer.step();
                    }
                    System.out.printf("step %d: %.0f ms%n", i, (System.nanoTime() - start) / 1e6);
                }
                JniUtils.stopProfile(args[2]);
            }
        }
    }
}
