package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.image.Images;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Evaluator with an injected, hand-written classifier: exact and fast, no engine needed. */
class EvaluatorTest {

    private final InMemoryImageDataset reference = SyntheticDigits.dataset("ref", 200, 1);
    private final InMemoryImageDataset pool = SyntheticDigits.dataset("pool", 400, 2);
    private final EvalData data = new EvalData("synthetic", pool, reference, "synthetic");
    private final BandClassifier classifier = new BandClassifier();

    /** Features: mean brightness of the top, bottom, left and right bands; prediction: the brightest band. */
    static final class BandClassifier implements FeatureClassifier {
        int calls;

        @Override
        public int channels() {
            return 1;
        }

        @Override
        public int imageSize() {
            return SyntheticDigits.SIZE;
        }

        @Override
        public int numClasses() {
            return SyntheticDigits.CLASSES;
        }

        @Override
        public int featureDim() {
            return 4;
        }

        @Override
        public Classified classify(float[] images, int count) {
            calls++;
            int s = SyntheticDigits.SIZE;
            int[] pred = new int[count];
            float[] f = new float[count * 4];
            for (int i = 0; i < count; i++) {
                double[] band = new double[4];
                for (int y = 0; y < s; y++) {
                    for (int x = 0; x < s; x++) {
                        float v = images[i * s * s + y * s + x];
                        if (y < 10) {
                            band[0] += v;
                        }
                        if (y >= 18) {
                            band[1] += v;
                        }
                        if (x < 10) {
                            band[2] += v;
                        }
                        if (x >= 18) {
                            band[3] += v;
                        }
                    }
                }
                int best = 0;
                for (int k = 0; k < 4; k++) {
                    f[i * 4 + k] = (float) (band[k] / (10 * s));
                    if (band[k] > band[best]) {
                        best = k;
                    }
                }
                pred[i] = best;
            }
            return new Classified(pred, f);
        }
    }

    @Test
    void accuracyComesFromTheClassInTheFileName(@TempDir Path dir) throws IOException {
        // 12 images of class k named as class k, 4 images of class 0 named as class 1 (wrong), 3 unconditional,
        // 2 anagram-tagged and files that are not samples
        int n = 0;
        for (int i = 0; i < 12; i++) {
            int index = i; // pool labels are i % 4
            SyntheticDigits.writePng(pool, index, dir.resolve("sample_c" + pool.label(index) + "_" + n++ + ".png"));
        }
        for (int i = 0; i < 4; i++) {
            SyntheticDigits.writePng(pool, 4 * (10 + i), dir.resolve("sample_c1_" + n++ + ".png"));
        }
        for (int i = 0; i < 3; i++) {
            SyntheticDigits.writePng(pool, 100 + i, dir.resolve("sample_u_" + n++ + ".png"));
        }
        SyntheticDigits.writePng(pool, 200, dir.resolve("sample_c0-3_" + n++ + ".png"));
        SyntheticDigits.writePng(pool, 201, dir.resolve("sample_c2-1_" + n++ + ".png"));
        SyntheticDigits.writePng(pool, 202, dir.resolve("grid.png"));
        Files.writeString(dir.resolve("notes.txt"), "not an image");

        EvaluationReport r = new Evaluator(classifier, data).evaluate(dir);
        assertEquals(21, r.count());
        assertEquals(16, r.labelledCount());
        assertEquals(12, r.correct());
        assertEquals(12 / 16.0, r.classAccuracy(), 1e-12);
        EvaluationReport.ClassAccuracy class1 = r.perClass().stream().filter(c -> c.label() == 1).findFirst().orElseThrow();
        assertEquals(7, class1.count()); // 3 right + 4 wrong
        assertEquals(3, class1.correct());
        EvaluationReport.ClassAccuracy class0 = r.perClass().stream().filter(c -> c.label() == 0).findFirst().orElseThrow();
        assertEquals(3, class0.count());
        assertEquals(1.0, class0.accuracy());
        assertEquals(21, r.predictedCounts().stream().mapToInt(Integer::intValue).sum());
        // class 0 pictures: 3 named right, 4 named 1, and pool images 100 and 200 (labels 0 and 0)
        assertEquals(3 + 4 + 2, r.predictedCounts().get(0));
        // the 4 misnamed pictures are listed by file, in file order, with what they were read as
        assertEquals(java.util.List.of("sample_c1_12.png", "sample_c1_13.png", "sample_c1_14.png", "sample_c1_15.png"),
                r.misread().stream().map(EvaluationReport.Misread::file).toList());
        for (EvaluationReport.Misread m : r.misread()) {
            assertEquals(1, m.label());
            assertEquals(0, m.predicted());
        }
    }

    @Test
    void withinClassVarianceIsTheMeanSquaredDistanceToTheOwnClassMean() {
        // class 0: (0,0) and (2,0), mean (1,0); class 1: (0,1), (0,3), (0,5), mean (0,3); class 2 empty
        float[] f = {0, 0, 2, 0, 0, 1, 0, 3, 0, 5};
        int[] labels = {0, 0, 1, 1, 1};
        assertEquals((1 + 1 + 4 + 0 + 4) / 5.0, Evaluator.withinClassVariance(f, labels, 2, 3), 1e-12);
        // the distance between the classes does not enter
        float[] apart = {100, 0, 102, 0, 0, 1, 0, 3, 0, 5};
        assertEquals(Evaluator.withinClassVariance(f, labels, 2, 3), Evaluator.withinClassVariance(apart, labels, 2, 3),
                1e-9);
    }

    @Test
    void referenceImagesAsSamplesHaveDistanceZero(@TempDir Path dir) throws IOException {
        for (int i = 0; i < reference.size(); i++) {
            SyntheticDigits.writePng(reference, i, dir.resolve("sample_c" + reference.label(i) + "_" + i + ".png"));
        }
        EvaluationReport r = new Evaluator(classifier, data).evaluate(dir);
        assertEquals(reference.size(), r.count());
        assertEquals(1.0, r.classAccuracy());
        assertEquals(0, r.fd(), 1e-6);
        assertEquals(0, r.fdMeanTerm(), 1e-9);
        assertEquals(1, r.spreadRatio(), 1e-5);
        assertEquals(1, r.withinClassSpreadRatio(), 1e-5, "file names carry the reference's own labels");
        assertEquals(reference.size(), r.referenceCount());
        assertEquals(reference.size(), r.baselineCount());
        assertTrue(r.baselineFd() > 0, "real images from another pool are not identical to the reference");
    }

    @Test
    void baselineIsTheSeededDrawOfPoolImagesAtTheSampleCount(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 40; i++) {
            SyntheticDigits.writePng(pool, 300 + i, dir.resolve("sample_c" + pool.label(300 + i) + "_" + i + ".png"));
        }
        Evaluator evaluator = new Evaluator(classifier, data);
        EvaluationReport r = evaluator.evaluate(dir);
        assertEquals(40, r.baselineCount());

        // recompute independently: features of the first 40 of the seeded permutation of the pool, against the reference
        int[] chosen = Arrays.copyOf(dev.diffq.engine.data.DataOrder.shuffled(pool.size(), Evaluator.BASELINE_SEED), 40);
        float[] baseImages = new float[40 * 784];
        for (int i = 0; i < 40; i++) {
            pool.copyImage(chosen[i], baseImages, i * 784, false);
        }
        float[] refImages = new float[reference.size() * 784];
        for (int i = 0; i < reference.size(); i++) {
            reference.copyImage(i, refImages, i * 784, false);
        }
        FrechetDistance.Gaussian ref = FrechetDistance.Gaussian.fit(classifier.classify(refImages, reference.size()).features(),
                reference.size(), 4);
        FrechetDistance.Gaussian base = FrechetDistance.Gaussian.fit(classifier.classify(baseImages, 40).features(), 40, 4);
        double expectedBaseline = FrechetDistance.distance(base, ref);
        assertEquals(expectedBaseline, r.baselineFd(), 1e-9);
        assertEquals(FrechetDistance.meanTerm(base, ref), r.baselineFdMeanTerm(), 1e-9);
        assertTrue(r.fdMeanTerm() > 0 && r.fdMeanTerm() < r.fd(), "the mean part is a part: " + r.fdMeanTerm()
                + " of " + r.fd());
        assertEquals(r.fd() / r.baselineFd(), r.fdRatio(), 1e-12);
        // the same evaluator gives the same numbers again (reference statistics are cached, the draw is fixed)
        EvaluationReport again = evaluator.evaluate(dir);
        assertEquals(r.fd(), again.fd());
        assertEquals(r.baselineFd(), again.baselineFd());
    }

    @Test
    void collapsedSamplesScoreWorseThanTheRealDigitBaseline(@TempDir Path dir) throws IOException {
        // 60 samples, all of class 2: right class, but no diversity
        int n = 0;
        for (int i = 0; n < 60; i++) {
            if (pool.label(i) == 2) {
                SyntheticDigits.writePng(pool, i, dir.resolve("sample_c2_" + n++ + ".png"));
            }
        }
        EvaluationReport r = new Evaluator(classifier, data).evaluate(dir);
        assertEquals(1.0, r.classAccuracy());
        assertEquals(List.of(0, 0, 60, 0), r.predictedCounts());
        assertTrue(r.fdRatio() > 3, "a collapsed set should be far from the reference: fd " + r.fd() + ", baseline "
                + r.baselineFd());
        assertTrue(r.spreadRatio() < r.baselineSpreadRatio(), "one class spreads less than real digits of all classes: "
                + r.spreadRatio() + " against " + r.baselineSpreadRatio());
    }

    @Test
    void unconditionalSamplesHaveNoAccuracyButADistance(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 8; i++) {
            SyntheticDigits.writePng(pool, i, dir.resolve("sample_u_" + i + ".png"));
        }
        EvaluationReport r = new Evaluator(classifier, data).evaluate(dir);
        assertNull(r.classAccuracy());
        assertNull(r.withinClassSpreadRatio(), "no sample names a class");
        assertEquals(0, r.labelledCount());
        assertTrue(r.perClass().isEmpty());
        assertTrue(Double.isFinite(r.fd()) && r.fd() >= 0);
    }

    @Test
    void badSampleDirectoriesAreReported(@TempDir Path dir) throws IOException {
        Evaluator evaluator = new Evaluator(classifier, data);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(dir));
        assertTrue(e.getMessage().contains("0 sample image"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(dir.resolve("missing")));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());

        SyntheticDigits.writePng(pool, 0, dir.resolve("sample_c0_0.png"));
        SyntheticDigits.writePng(pool, 1, dir.resolve("sample_c7_1.png"));
        e = assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(dir));
        assertTrue(e.getMessage().contains("sample_c7_1.png") && e.getMessage().contains("outside 0..3"), e.getMessage());

        Files.delete(dir.resolve("sample_c7_1.png"));
        dev.diffq.engine.image.Images.writePng(new java.awt.image.BufferedImage(32, 32,
                java.awt.image.BufferedImage.TYPE_BYTE_GRAY), dir.resolve("sample_c1_1.png"));
        e = assertThrows(IllegalArgumentException.class, () -> evaluator.evaluate(dir));
        assertTrue(e.getMessage().contains("samples are 32x32 grey (sample_c1_1.png) but --dataset synthetic takes "
                + "28x28 grey"), e.getMessage());
    }

    /** Features: the mean of each channel over the top and the bottom half; prediction: the brightest channel. */
    static final class ChannelClassifier implements FeatureClassifier {
        @Override
        public int channels() {
            return 3;
        }

        @Override
        public int imageSize() {
            return SyntheticDigits.COLOUR_SIZE;
        }

        @Override
        public int numClasses() {
            return SyntheticDigits.COLOUR_CLASSES;
        }

        @Override
        public int featureDim() {
            return 6;
        }

        @Override
        public Classified classify(float[] images, int count) {
            int s = SyntheticDigits.COLOUR_SIZE;
            int plane = s * s;
            int[] pred = new int[count];
            float[] f = new float[count * 6];
            for (int i = 0; i < count; i++) {
                for (int c = 0; c < 3; c++) {
                    for (int p = 0; p < plane; p++) {
                        f[i * 6 + 2 * c + (p < plane / 2 ? 0 : 1)] += images[(i * 3 + c) * plane + p] / plane;
                    }
                    if (f[i * 6 + 2 * c] + f[i * 6 + 2 * c + 1] > f[i * 6 + 2 * pred[i]] + f[i * 6 + 2 * pred[i] + 1]) {
                        pred[i] = c;
                    }
                }
            }
            return new Classified(pred, f);
        }
    }

    private static final InMemoryImageDataset COLOUR_REFERENCE =
            SyntheticDigits.colourDataset("colour-ref", 60, 3, SyntheticDigits.COLOUR_SIZE);
    private static final InMemoryImageDataset COLOUR_POOL =
            SyntheticDigits.colourDataset("colour-pool", 120, 4, SyntheticDigits.COLOUR_SIZE);

    private static Evaluator colourEvaluator() {
        return new Evaluator(new ChannelClassifier(), new EvalData("colour", COLOUR_POOL, COLOUR_REFERENCE, "colour"));
    }

    @Test
    void colourPngsAreReadAsThreeChannelsInTheDatasetsLayout(@TempDir Path dir) throws IOException {
        for (int i = 0; i < COLOUR_REFERENCE.size(); i++) {
            SyntheticDigits.writePng(COLOUR_REFERENCE, i,
                    dir.resolve("sample_c" + COLOUR_REFERENCE.label(i) + "_" + i + ".png"));
        }
        EvaluationReport r = colourEvaluator().evaluate(dir);
        assertEquals("colour", r.dataset());
        assertEquals(COLOUR_REFERENCE.size(), r.count());
        // the bar's channel is the brightest only when the channels are where the dataset puts them
        assertEquals(1.0, r.classAccuracy());
        assertEquals(List.of(20, 20, 20), r.predictedCounts());
        assertEquals(0, r.fd(), 1e-9);
        assertEquals(1, r.spreadRatio(), 1e-6);
        assertTrue(r.baselineFd() > 0);
    }

    @Test
    void samplesOfAnotherSizeOrColourAreRejectedNamingTheDataset(@TempDir Path dir) throws IOException {
        // grey samples for colour data
        SyntheticDigits.writePng(COLOUR_REFERENCE, 0, dir.resolve("sample_c0_0.png"));
        Images.writePng(new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY), dir.resolve("sample_c1_1.png"));
        Evaluator colour = colourEvaluator();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> colour.evaluate(dir));
        assertEquals("samples are 32x32 grey (sample_c1_1.png) but --dataset colour takes 32x32 RGB", e.getMessage());
        // colour samples for grey data, at another size and at the same size
        Files.delete(dir.resolve("sample_c1_1.png"));
        SyntheticDigits.writePng(COLOUR_REFERENCE, 1, dir.resolve("sample_c1_1.png"));
        Evaluator grey = new Evaluator(classifier, data);
        e = assertThrows(IllegalArgumentException.class, () -> grey.evaluate(dir));
        assertEquals("samples are 32x32 RGB (sample_c0_0.png) but --dataset synthetic takes 28x28 grey",
                e.getMessage());
        Path small = Files.createDirectory(dir.resolve("small"));
        SyntheticDigits.writePng(pool, 0, small.resolve("sample_c0_0.png"));
        Images.writePng(Images.solid(28, 28, java.awt.Color.RED), small.resolve("sample_c1_1.png"));
        e = assertThrows(IllegalArgumentException.class, () -> grey.evaluate(small));
        assertEquals("samples are 28x28 RGB (sample_c1_1.png) but --dataset synthetic takes 28x28 grey",
                e.getMessage());
        // the same check without a classifier, as evaluate runs it before obtaining one
        e = assertThrows(IllegalArgumentException.class, () -> Evaluator.checkSamples(small, data));
        assertEquals("samples are 28x28 RGB (sample_c1_1.png) but --dataset synthetic takes 28x28 grey",
                e.getMessage());
        Files.delete(small.resolve("sample_c1_1.png"));
        Evaluator.checkSamples(small, data);
    }

    @Test
    void greyDataTakesColourFilesWhosePixelsAreGrey(@TempDir Path dir) throws IOException {
        Path grey = Files.createDirectory(dir.resolve("grey"));
        Path rgb = Files.createDirectory(dir.resolve("rgb"));
        for (int i = 0; i < 12; i++) {
            String name = "sample_c" + pool.label(i) + "_" + i + ".png";
            SyntheticDigits.writePng(pool, i, grey.resolve(name));
            float[] px = new float[pool.pixelsPerImage()];
            pool.copyImage(i, px, 0, false);
            BufferedImage asColour = Images.fromChw(Images.toChw(Images.fromChw(px, 1, 28, 28), 3), 3, 28, 28);
            assertEquals(3, Images.channels(asColour));
            Images.writePng(asColour, rgb.resolve(name));
        }
        Evaluator evaluator = new Evaluator(classifier, data);
        EvaluationReport fromGrey = evaluator.evaluate(grey);
        EvaluationReport fromRgb = evaluator.evaluate(rgb);
        assertEquals(fromGrey.fd(), fromRgb.fd(), 1e-9 * fromGrey.fd());
        assertEquals(fromGrey.classAccuracy(), fromRgb.classAccuracy());
    }
}
