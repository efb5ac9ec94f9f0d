package dev.diffq.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import com.fasterxml.jackson.databind.JsonNode;
import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.model.UNetConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

class DiffusionTrainerTest {

    static final UNetConfig TINY = new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {}, 3, 0f);
    /** The real UNet at toy size: two levels, attention at the lower one, dropout on (reseeded per step). */
    static final UNetConfig TINY_UNET = new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {1}, 3, 0.1f);

    @TempDir
    Path tmp;

    static InMemoryImageDataset dataset(int n, int classes) {
        byte[] px = new byte[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % classes;
            for (int k = 0; k < 64; k++) {
                px[i * 64 + k] = (byte) ((k % 8 < 4 ? 40 : 200) + 13 * labels[i] + i % 5);
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("c" + c);
        }
        return new InMemoryImageDataset("synthetic", px, labels, names, 1, 8);
    }

    static TrainConfig.Builder config(long steps) {
        return config(TINY, steps);
    }

    static TrainConfig.Builder config(UNetConfig model, long steps) {
        return TrainConfig.builder(model, "synthetic").steps(steps).batchSize(5).gradAccum(2).learningRate(1e-2)
                .warmupSteps(2).timesteps(50).schedule("linear").emaDecay(0.9).labelDropout(0.3)
                .checkpointEverySteps(0).checkpointEveryMinutes(0).logEverySteps(2).device("cpu").seed(11);
    }

    /** Records losses and cancels after {@code cancelAfter} steps (0 = never). */
    static final class Recorder implements TrainListener {
        final List<Double> losses = new ArrayList<>();
        final List<Long> checkpoints = new ArrayList<>();
        final List<Long> sampleSteps = new ArrayList<>();
        final long cancelAfter;
        long lastStep;

        Recorder(long cancelAfter) {
            this.cancelAfter = cancelAfter;
        }

        @Override
        public void onProgress(long step, long total, double loss, double imagesPerSec, double etaSeconds) {
            losses.add(loss);
            lastStep = step;
            assertTrue(imagesPerSec > 0 && etaSeconds >= 0);
        }

        @Override
        public void onCheckpoint(Path dir, long step) {
            checkpoints.add(step);
        }

        @Override
        public void onSampleGrid(long step, Block emaModel) {
            assertNotNull(emaModel);
            sampleSteps.add(step);
        }

        @Override
        public boolean isCancelled() {
            return cancelAfter > 0 && lastStep >= cancelAfter;
        }
    }

    private static DiffusionTrainer trainer(Path tmp) {
        return new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")), TinyDenoiser::new);
    }

    static float[][] arrays(Path checkpoint, String file) throws IOException {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDList list = Checkpoint.readArrays(checkpoint, file, m);
            float[][] out = new float[list.size()][];
            for (int i = 0; i < list.size(); i++) {
                out[i] = list.get(i).toFloatArray();
            }
            return out;
        }
    }

    static void assertAllClose(float[][] a, float[][] b, double tol) {
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
            assertArrayEquals(a[i], b[i], (float) tol, "array " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"adamw", "muon"})
    void resumingFromACheckpointReproducesTheUninterruptedRun(String optimizer) throws IOException {
        TrainConfig cfg = config(TINY_UNET, 8).minSnrGamma(5).objective("v").optimizer(optimizer).build();
        InMemoryImageDataset ds = dataset(13, 3);
        DiffusionTrainer unetTrainer = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")));

        Path straightDir = tmp.resolve("straight");
        Recorder straight = new Recorder(0);
        TrainResult s = unetTrainer.train(cfg, ds, straightDir, straight);
        assertEquals(TrainResult.Status.COMPLETED, s.status());
        assertEquals(8, s.step());

        Path splitDir = tmp.resolve("split");
        Recorder first = new Recorder(4);
        TrainResult a = unetTrainer.train(cfg, ds, splitDir, first);
        assertEquals(TrainResult.Status.CANCELLED, a.status());
        assertEquals(4, a.step());
        assertEquals(List.of(4L), first.checkpoints);
        assertTrue(first.sampleSteps.isEmpty(), "a cancelled run draws no final grid");
        Recorder second = new Recorder(0);
        TrainResult b = unetTrainer.train(cfg, ds, splitDir, second);
        assertEquals(4, b.resumedFromStep());
        assertEquals(8, b.step());

        List<Double> joined = new ArrayList<>(first.losses);
        joined.addAll(second.losses);
        assertEquals(straight.losses.size(), joined.size());
        for (int i = 0; i < joined.size(); i++) {
            assertEquals(straight.losses.get(i), joined.get(i), 1e-6, "loss at step " + (i + 1));
        }
        for (String f : List.of(Checkpoint.MODEL, Checkpoint.EMA, Checkpoint.OPTIMIZER_M, Checkpoint.OPTIMIZER_V)) {
            assertAllClose(arrays(s.checkpoint(), f), arrays(b.checkpoint(), f), 1e-6);
        }
        // and training did change the weights
        assertFalse(java.util.Arrays.equals(arrays(s.checkpoint(), Checkpoint.MODEL)[0],
                arrays(a.checkpoint(), Checkpoint.MODEL)[0]));
        Checkpoint.State st = Checkpoint.readState(b.checkpoint());
        assertEquals(8, st.optimizerSteps());
        assertEquals(8 * 10, st.imagesSeen());
        assertEquals((8 * 10) / 13, st.dataEpoch());
        assertEquals((8 * 10) % 13, st.dataPosition());

        // metrics: the resumed log equals the straight one step for step
        List<JsonNode> ms = new MetricsLog(straightDir).read();
        List<JsonNode> mr = new MetricsLog(splitDir).read();
        assertEquals(List.of(2L, 4L, 6L, 8L), ms.stream().map(n -> n.get("step").asLong()).toList());
        assertEquals(ms.size(), mr.size());
        for (int i = 0; i < ms.size(); i++) {
            assertEquals(ms.get(i).get("loss").asDouble(), mr.get(i).get("loss").asDouble(), 1e-6);
            assertEquals(ms.get(i).get("lr").asDouble(), mr.get(i).get("lr").asDouble(), 1e-12);
            assertTrue(ms.get(i).has("grad_norm") && ms.get(i).has("images_per_sec") && ms.get(i).has("time"));
        }
        assertEquals(List.of(8L), second.sampleSteps);

        // the sampler's view: a UNet with the EMA weights and the diffusion settings
        try (LoadedModel loaded = Checkpoint.load(splitDir)) {
            assertTrue(loaded.block() instanceof dev.diffq.engine.model.UNet);
            assertEquals(TINY_UNET, loaded.config());
            assertEquals(dev.diffq.engine.schedule.Objective.V, loaded.objective());
            assertEquals(50, loaded.schedule().timesteps());
            assertTrue(loaded.ema());
        }
    }

    @Test
    void aBatchRunInPiecesTrainsAsTheWholeBatchDoes() throws IOException {
        // 5 images at most 2 per pass: pieces of 2, 2 and 1, each weighted as its share of the batch mean. No model
        // dropout, whose masks would come from one draw per pass
        UNetConfig noDropout = new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {1}, 3, 0f);
        TrainConfig cfg = config(noDropout, 2).objective("v").build();
        InMemoryImageDataset ds = dataset(13, 3);
        DiffusionTrainer unetTrainer = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")));
        Recorder whole = new Recorder(0);
        Recorder pieces = new Recorder(0);
        TrainResult w;
        TrainResult p;
        String before = System.getProperty("diffq.maxForwardImages");
        try {
            System.setProperty("diffq.maxForwardImages", "0");
            w = unetTrainer.train(cfg, ds, tmp.resolve("whole"), whole);
            System.setProperty("diffq.maxForwardImages", "2");
            p = unetTrainer.train(cfg, ds, tmp.resolve("pieces"), pieces);
        } finally {
            if (before == null) {
                System.clearProperty("diffq.maxForwardImages");
            } else {
                System.setProperty("diffq.maxForwardImages", before);
            }
        }
        assertEquals(whole.losses.size(), pieces.losses.size());
        for (int i = 0; i < whole.losses.size(); i++) {
            assertEquals(whole.losses.get(i), pieces.losses.get(i), 1e-5, "loss at step " + (i + 1));
        }
        // The gradients, through Adam's first moment (0.1 g after the first step, then 0.09 g1 + 0.1 g2). Not the
        // weights: Adam divides each gradient by its own size, so a component near zero moves a weight by up to the
        // learning rate whichever float order summed it
        assertAllClose(arrays(w.checkpoint(), Checkpoint.OPTIMIZER_M), arrays(p.checkpoint(), Checkpoint.OPTIMIZER_M), 1e-6);
        double moment = 0;
        for (float[] a : arrays(w.checkpoint(), Checkpoint.OPTIMIZER_M)) {
            for (float v : a) {
                moment += Math.abs(v);
            }
        }
        assertTrue(moment > 0, "the steps had gradients");
    }

    @Test
    void checkpointsAreCompleteAndLoadableForSampling() throws IOException {
        Path out = tmp.resolve("run");
        TrainResult r = trainer(tmp).train(config(4).checkpointEverySteps(2).build(), dataset(10, 3), out, null);
        Path root = out.resolve(Checkpoint.ROOT_NAME);
        assertTrue(Checkpoint.isComplete(root.resolve("step-2")));
        assertEquals(root.resolve("step-4"), Checkpoint.latest(root));
        assertEquals(r.checkpoint(), root.resolve("step-4"));

        // a newer directory without a manifest is ignored
        Files.createDirectories(root.resolve("step-6"));
        Files.writeString(root.resolve("step-6/model.ndlist"), "partial");
        assertEquals(root.resolve("step-4"), Checkpoint.latest(root));
        assertEquals(root.resolve("step-4"), Checkpoint.resolve(out));

        Function<UNetConfig, Block> factory = TinyDenoiser::new;
        try (LoadedModel ema = Checkpoint.load(out, true, Device.cpu(), factory);
             LoadedModel raw = Checkpoint.load(root.resolve("step-4"), false, Device.cpu(), factory)) {
            assertEquals(TINY, ema.config());
            assertEquals(3, ema.numClasses());
            assertEquals("linear", ema.scheduleKind());
            assertEquals(50, ema.timesteps());
            assertEquals("v", ema.trainConfig().objective(), "the default objective");
            assertEquals(4, ema.step());
            assertEquals(List.of("c0", "c1", "c2"), ema.classNames());
            float[][] saved = arrays(r.checkpoint(), Checkpoint.EMA);
            List<NDArray> loaded = ema.block().getParameters().values().stream().map(p -> p.getArray()).toList();
            for (int i = 0; i < saved.length; i++) {
                assertArrayEquals(saved[i], loaded.get(i).toFloatArray(), 0f);
            }
            assertFalse(java.util.Arrays.equals(saved[0],
                    raw.block().getParameters().values().get(0).getArray().toFloatArray()), "EMA differs from raw weights");
        }
    }

    @Test
    void resumingWithAnotherModelOrDatasetFailsClearly() throws IOException {
        Path out = tmp.resolve("run");
        trainer(tmp).train(config(2).build(), dataset(10, 3), out, null);
        UNetConfig other = new UNetConfig(8, 1, 16, new int[] {1, 2}, 1, new int[] {}, 3, 0f);
        TrainConfig otherCfg = TrainConfig.builder(other, "synthetic").steps(4).device("cpu").build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(tmp).train(otherCfg, dataset(10, 3), out, null));
        assertTrue(e.getMessage().contains("cannot resume") && e.getMessage().contains("model:"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> trainer(tmp).train(config(4).build(), dataset(11, 3), out, null));
        assertTrue(e.getMessage().contains("dataset:") && e.getMessage().contains("10 images"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> trainer(tmp).train(config(4).objective("eps").build(), dataset(10, 3), out, null));
        assertTrue(e.getMessage().contains("objective: checkpoint v, this run eps"), e.getMessage());

        e = assertThrows(IllegalArgumentException.class,
                () -> trainer(tmp).train(config(4).optimizer("adamw").build(), dataset(10, 3), out, null));
        assertTrue(e.getMessage().contains("optimizer: checkpoint muon, this run adamw"), e.getMessage());
    }

    @Test
    void labelDropoutReplacesLabelsWithTheNullClassAtItsRate() throws IOException {
        List<TinyDenoiser> built = new ArrayList<>();
        DiffusionTrainer t = new DiffusionTrainer(new NpmPackageCache(tmp), c -> {
            TinyDenoiser d = new TinyDenoiser(c);
            built.add(d);
            return d;
        });
        t.train(config(20).batchSize(40).gradAccum(1).labelDropout(0.25).build(), dataset(30, 3), tmp.resolve("r"), null);
        List<Long> labels = built.get(0).seenLabels;
        long nulls = labels.stream().filter(l -> l == TINY.nullClass()).count();
        assertEquals(800, labels.size());
        assertEquals(0.25, (double) nulls / labels.size(), 0.04);
        assertTrue(labels.stream().allMatch(l -> l >= 0 && l <= 3));
    }

    @Test
    void aStepWithANonFiniteLossChangesNothingAndOnlyARunOfThemFails() throws IOException {
        // gradAccum 2: forward calls 5 and 6 are step 3's micro-batches; poison the first
        DiffusionTrainer spiky = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")),
                c -> new TinyDenoiser(c, call -> call == 5));
        Recorder rec = new Recorder(0);
        TrainResult r = spiky.train(config(5).checkpointEverySteps(1).build(), dataset(10, 3), tmp.resolve("spike"), rec);
        assertEquals(TrainResult.Status.COMPLETED, r.status());
        assertEquals(5, r.step());
        Path dirs = tmp.resolve("spike").resolve(Checkpoint.ROOT_NAME);
        for (String f : List.of(Checkpoint.MODEL, Checkpoint.EMA)) {
            assertAllClose(arrays(dirs.resolve("step-2"), f), arrays(dirs.resolve("step-3"), f), 0);
            assertFalse(java.util.Arrays.equals(arrays(dirs.resolve("step-3"), f)[0], arrays(dirs.resolve("step-4"), f)[0]),
                    "training goes on after the skipped step: " + f);
        }
        for (float[] a : arrays(dirs.resolve("step-5"), Checkpoint.MODEL)) {
            for (float v : a) {
                assertTrue(Float.isFinite(v), "parameters stay finite");
            }
        }
        assertTrue(Double.isInfinite(rec.losses.get(2)), "the listener still sees the bad step's loss");

        DiffusionTrainer broken = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")),
                c -> new TinyDenoiser(c, call -> call > 2));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> broken.train(config(10).build(), dataset(10, 3), tmp.resolve("broken"), null));
        assertTrue(e.getMessage().contains("training diverged at step 4")
                && e.getMessage().contains(DiffusionTrainer.MAX_CONSECUTIVE_SKIPS + " steps in a row")
                && e.getMessage().contains("learning_rate"), e.getMessage());
    }

    @Test
    void aNonFiniteGradientIsSkippedAndItsParametersAreNamed() throws IOException {
        // a finite loss whose gradient is NaN in the "time" layer only, from the third forward call on
        DiffusionTrainer broken = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")),
                c -> new TinyDenoiser(c, call -> call > 2, true));
        Recorder rec = new Recorder(0);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> broken.train(config(10).build(), dataset(10, 3), tmp.resolve("nan-grad"), rec));
        String m = e.getMessage();
        assertTrue(m.contains("training diverged at step 4") && m.contains("the gradient norm is NaN"), m);
        assertTrue(m.contains("non-finite in 2 of 8 parameter gradients; nearest the output: 03time_bias, 03time_weight"), m);
        assertTrue(rec.losses.stream().allMatch(Double::isFinite), "the loss itself stayed finite: " + rec.losses);
    }

    @Test
    void timeLimitStopsTheRunAndInvalidConfigFailsFirst() throws IOException {
        TrainConfig timed = config(0).maxMinutes(1e-5).lrDecay("constant").build();
        TrainResult r = trainer(tmp).train(timed, dataset(10, 3), tmp.resolve("t"), null);
        assertEquals(TrainResult.Status.TIME_LIMIT, r.status());
        assertTrue(r.step() >= 1);
        assertNotNull(r.checkpoint());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> trainer(tmp).train(config(5).batchSize(0).build(), dataset(10, 3), tmp.resolve("bad"), null));
        assertTrue(e.getMessage().contains("batch_size"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("bad").resolve(Checkpoint.ROOT_NAME)));
    }
}
