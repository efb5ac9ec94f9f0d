package dev.diffq.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.diffq.engine.model.UNet;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.sample.SampleMode;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.SamplerKind;
import dev.diffq.engine.sample.TimestepSpacing;
import dev.diffq.engine.train.TrainConfig;

class CheckpointSamplingTest {

    /** A UNet that notes whether PyTorch was recording gradients at each forward. */
    static final class GradModeProbe extends AbstractBlock {
        final List<Boolean> gradMode = new ArrayList<>();
        final UNet unet;

        GradModeProbe(UNetConfig cfg) {
            unet = addChildBlock("unet", new UNet(cfg));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            gradMode.add(JniUtils.isGradMode());
            return unet.forward(ps, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return unet.getOutputShapes(inputShapes);
        }

        @Override
        protected void initializeChildBlocks(ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
            unet.initialize(manager, dataType, inputShapes);
        }
    }

    @Test
    void samplingRecordsNoGradientsEvenOnAThreadInGradModeAndRestoresIt(@TempDir Path out) {
        UNetConfig cfg = new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {}, 2, 0f);
        TrainConfig train = TrainConfig.builder(cfg, "synthetic").steps(1).timesteps(20).device("cpu").seed(1).build();
        try (Model model = Model.newInstance("probe")) {
            GradModeProbe probe = new GradModeProbe(cfg);
            model.setBlock(probe);
            probe.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 1, 8, 8), new Shape(1), new Shape(1));
            SampleRequest req = SampleRequest.builder().mode(SampleMode.GENERATE).sampler(SamplerKind.DDIM).steps(3)
                    .spacing(TimestepSpacing.TRAILING).guidance(2).classes(List.of(0, 1)).perClass(1).seed(1).batchSize(2)
                    .clipX0(true).build();
            JniUtils.setGradMode(true); // as PyTorch starts every new thread (a worker's job thread)
            CheckpointSampling.run(probe, train, model.getNDManager(), req, out, null, () -> false);
            assertTrue(JniUtils.isGradMode(), "the thread's grad mode is restored");
            JniUtils.setGradMode(false);
            assertEquals(3, probe.gradMode.size());
            assertFalse(probe.gradMode.contains(true), "no forward may record an autograd graph: " + probe.gradMode);
        }
    }
}
