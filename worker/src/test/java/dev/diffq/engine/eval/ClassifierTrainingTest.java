package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real network and trainer on tiny separable data (seconds, no downloads). */
class ClassifierTrainingTest {

    static InMemoryImageDataset train;
    static InMemoryImageDataset test;
    /** Small images keep each step cheap: 12 -> 6 -> 3 pixels through the two strided convolutions. */
    static final int SIZE = 12;
    static final ClassifierTrainingOptions TINY = ClassifierTrainingOptions.defaults()
            .withEpochs(2).withBatchSize(32).withWarmupSteps(3).withSeed(42);

    @BeforeAll
    static void data() {
        train = SyntheticDigits.dataset("synthetic-train", 256, 10, SIZE);
        test = SyntheticDigits.dataset("synthetic-test", 100, 11, SIZE);
    }

    @Test
    void learnsSeparableClassesAndIsDeterministicFromTheSeed() {
        List<String> log = new ArrayList<>();
        ClassifierTrainer.Trained a = ClassifierTrainer.train(train, test, TINY, log::add);
        ClassifierTrainer.Trained b = ClassifierTrainer.train(train, test, TINY, null);
        try (MnistClassifier ca = a.classifier(); MnistClassifier cb = b.classifier();
             MnistClassifier cc = MnistClassifier.create(SIZE, SyntheticDigits.CLASSES, 0.3f, 43)) {
            assertTrue(a.testAccuracy() >= 0.95, "test accuracy " + a.testAccuracy());
            assertEquals(ClassifierTrainer.accuracy(ca, test), a.testAccuracy());
            assertEquals(2 * 8, a.steps());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("epoch 2/2")), log.toString());
            assertTrue(log.get(log.size() - 1).startsWith("test accuracy"), log.toString());

            float[] images = images(test, 16);
            FeatureClassifier.Classified fa = ca.classify(images, 16);
            FeatureClassifier.Classified fb = cb.classify(images, 16);
            FeatureClassifier.Classified fc = cc.classify(images, 16);
            assertEquals(128, ca.featureDim());
            assertEquals(16 * 128, fa.features().length);
            assertArrayEquals(fa.features(), fb.features(), "same seed, same classifier");
            assertFalse(java.util.Arrays.equals(fa.features(), fc.features()), "another seed, other weights");
        }
    }

    @Test
    void savedParametersReloadToTheSameOutputs(@TempDir Path dir) throws IOException {
        ClassifierTrainer.Trained t = ClassifierTrainer.train(train, test, TINY.withEpochs(1), null);
        Path file = dir.resolve("c.params");
        try (MnistClassifier original = t.classifier()) {
            original.save(file);
            try (MnistClassifier loaded = MnistClassifier.load(file, SIZE, SyntheticDigits.CLASSES)) {
                float[] images = images(test, 40);
                FeatureClassifier.Classified x = original.classify(images, 40);
                FeatureClassifier.Classified y = loaded.classify(images, 40);
                assertArrayEquals(x.features(), y.features());
                assertArrayEquals(x.predictions(), y.predictions());
            }
        }
        Files.write(file, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> MnistClassifier.load(file, SIZE, 4));
        assertTrue(e.getMessage().contains("c.params"), e.getMessage());
    }

    @Test
    void theStoreReusesAnIntactClassifierAndRetrainsOtherwise(@TempDir Path dir) throws IOException {
        ClassifierStore store = new ClassifierStore(dir.resolve("classifier"));
        String dataId = "synthetic sha1:0";
        ClassifierTrainingOptions once = TINY.withEpochs(1);
        ClassifierStore.Obtained first = store.obtain(train, test, dataId, once, ClassifierStore.Reuse.ANY, null);
        first.classifier().close();
        assertFalse(first.fromCache());
        assertTrue(Files.isRegularFile(store.dir().resolve(ClassifierStore.MANIFEST_FILE)));
        ClassifierManifest m = store.usableManifest(dataId);
        assertEquals(first.manifest(), m);
        assertEquals(42, m.seed());
        assertEquals(first.manifest().testAccuracy(), m.testAccuracy());
        assertEquals(ClassifierNet.ARCHITECTURE, m.architecture());

        // any classifier will do for evaluation, whatever options are asked for
        ClassifierStore.Obtained second = store.obtain(train, test, dataId, once.withSeed(7), ClassifierStore.Reuse.ANY, null);
        second.classifier().close();
        assertTrue(second.fromCache());
        // train-classifier wants the same options
        ClassifierStore.Obtained third = store.obtain(train, test, dataId, once.withSeed(7),
                ClassifierStore.Reuse.SAME_OPTIONS, null);
        third.classifier().close();
        assertFalse(third.fromCache());
        assertEquals(7, store.usableManifest(dataId).seed());
        // ... the same options again: cached; another augmentation shift: trained anew
        ClassifierTrainingOptions seven = once.withSeed(7);
        ClassifierStore.Obtained again = store.obtain(train, test, dataId, seven, ClassifierStore.Reuse.SAME_OPTIONS, null);
        again.classifier().close();
        assertTrue(again.fromCache());
        ClassifierStore.Obtained shifted = store.obtain(train, test, dataId, seven.withMaxShift(seven.maxShift() + 1),
                ClassifierStore.Reuse.SAME_OPTIONS, null);
        shifted.classifier().close();
        assertFalse(shifted.fromCache());
        assertEquals(seven.maxShift() + 1, store.usableManifest(dataId).maxShift());

        // other data, or damaged parameters: not usable
        assertEquals(null, store.usableManifest("other data"));
        Path params = store.dir().resolve(ClassifierStore.PARAMS_FILE);
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 1] ^= 1;
        Files.write(params, bytes);
        assertEquals(null, store.usableManifest(dataId));
        ClassifierStore.Obtained fourth = store.obtain(train, test, dataId, once, ClassifierStore.Reuse.ANY, null);
        fourth.classifier().close();
        assertFalse(fourth.fromCache());
        assertNotEquals(null, store.usableManifest(dataId));
    }

    @Test
    void optionsAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClassifierTrainingOptions.defaults().withEpochs(0).validate());
        assertTrue(e.getMessage().startsWith("epochs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ClassifierTrainingOptions.defaults().withBatchSize(0).validate());
        assertTrue(e.getMessage().startsWith("batch_size"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> ClassifierTrainingOptions.defaults().withMaxShift(9).validate());
        assertTrue(e.getMessage().startsWith("max_shift"), e.getMessage());
    }

    @Test
    void learningRateWarmsUpThenDecaysToZero() {
        ClassifierTrainingOptions o = ClassifierTrainingOptions.defaults().withWarmupSteps(10).withLearningRate(1e-3);
        assertEquals(1e-4, ClassifierTrainer.learningRate(o, 0, 100), 1e-15);
        assertEquals(1e-3, ClassifierTrainer.learningRate(o, 10, 100), 1e-15);
        assertTrue(ClassifierTrainer.learningRate(o, 55, 100) < 1e-3);
        assertEquals(0, ClassifierTrainer.learningRate(o, 100, 100), 1e-15);
    }

    @Test
    void shiftMovesPixelsAndFillsWithBlack() {
        float[] src = new float[9];
        for (int i = 0; i < 9; i++) {
            src[i] = i;
        }
        float[] dst = new float[9];
        ClassifierTrainer.shift(src, dst, 0, 3, 1, 0);
        assertArrayEquals(new float[] {-1, 0, 1, -1, 3, 4, -1, 6, 7}, dst);
    }

    private static float[] images(InMemoryImageDataset d, int n) {
        float[] out = new float[n * d.pixelsPerImage()];
        for (int i = 0; i < n; i++) {
            d.copyImage(i, out, i * d.pixelsPerImage(), false);
        }
        return out;
    }
}
