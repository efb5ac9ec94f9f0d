package dev.diffq.engine.eval;

import dev.diffq.engine.data.ImageDataset;
import dev.diffq.engine.image.Images;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Scores a directory of generated images with a {@link FeatureClassifier} of one dataset: class accuracy against the
 * class in each file name, and the Fréchet distance of the classifier's features to a reference set (the dataset's
 * test split), next to the distance that as many real images from a disjoint pool (its training split) reach, drawn
 * deterministically.
 */
public final class Evaluator {

    /** Seed of the draw of real images for the baseline, fixed so baselines are comparable across runs. */
    public static final long BASELINE_SEED = 0;
    /** Images classified per call. */
    private static final int CHUNK = 1000;

    private final FeatureClassifier classifier;
    private final String dataset;
    private final ImageDataset reference;
    private final ImageDataset baselinePool;
    private ReferenceSummary referenceSummary;

    /** What the samples are measured against, computed once: the reference set's Gaussian and its within-class
     * variance. */
    private record ReferenceSummary(FrechetDistance.Gaussian stats, double withinClassVariance) {
    }

    /**
     * Samples are compared with {@code data}'s test split (the reference); the baseline draws real images from its
     * training split, disjoint from the reference.
     */
    public Evaluator(FeatureClassifier classifier, EvalData data) {
        this.classifier = classifier;
        this.dataset = data.name();
        this.reference = data.test();
        this.baselinePool = data.train();
        check(reference, "reference set");
        check(baselinePool, "baseline pool");
    }

    private void check(ImageDataset d, String what) {
        if (d.channels() != classifier.channels() || d.imageSize() != classifier.imageSize()) {
            throw new IllegalArgumentException(what + " '" + d.name() + "' has " + d.channels() + "-channel "
                    + d.imageSize() + "x" + d.imageSize() + " images; the classifier takes " + classifier.channels()
                    + "-channel " + classifier.imageSize() + "x" + classifier.imageSize());
        }
        if (d.size() < 2) {
            throw new IllegalArgumentException(what + " '" + d.name() + "' needs at least 2 images, has " + d.size());
        }
    }

    /** Reads every sample image in {@code samplesDir} (see {@link SampleFile}) and scores them. */
    public EvaluationReport evaluate(Path samplesDir) throws IOException {
        List<SampleFile> samples = listSamples(samplesDir);
        int n = samples.size();
        if (n < 2) {
            throw new IllegalArgumentException("samples: " + samplesDir + " holds " + n + " sample image(s) "
                    + "(sample_c<class>_<n>.png or sample_u_<n>.png); the Fréchet distance needs at least 2");
        }
        int classes = classifier.numClasses();
        for (SampleFile s : samples) {
            if (s.label() >= classes) {
                throw new IllegalArgumentException("sample file " + s.path().getFileName() + ": class " + s.label()
                        + " is outside 0.." + (classes - 1) + " of the classifier");
            }
        }
        int channels = classifier.channels();
        int pixels = channels * classifier.imageSize() * classifier.imageSize();
        int dim = classifier.featureDim();
        float[] features = new float[n * dim];
        int[] predicted = new int[n];
        for (int start = 0; start < n; start += CHUNK) {
            int count = Math.min(CHUNK, n - start);
            float[] images = new float[count * pixels];
            for (int i = 0; i < count; i++) {
                Path file = samples.get(start + i).path();
                BufferedImage img = Images.read(file);
                checkFits(img, file, dataset, classifier.imageSize(), classifier.channels());
                System.arraycopy(Images.toChw(img, channels), 0, images, i * pixels, pixels);
            }
            FeatureClassifier.Classified out = classifier.classify(images, count);
            System.arraycopy(out.predictions(), 0, predicted, start, count);
            System.arraycopy(out.features(), 0, features, start * dim, count * dim);
        }

        int[] perClassCount = new int[classes];
        int[] perClassCorrect = new int[classes];
        List<Integer> predictedCounts = new ArrayList<>();
        int[] histogram = new int[classes];
        List<EvaluationReport.Misread> misread = new ArrayList<>();
        int labelled = 0;
        int correct = 0;
        for (int i = 0; i < n; i++) {
            histogram[predicted[i]]++;
            int label = samples.get(i).label();
            if (label >= 0) {
                labelled++;
                perClassCount[label]++;
                if (predicted[i] == label) {
                    correct++;
                    perClassCorrect[label]++;
                } else {
                    misread.add(new EvaluationReport.Misread(samples.get(i).path().getFileName().toString(), label,
                            predicted[i]));
                }
            }
        }
        List<EvaluationReport.ClassAccuracy> perClass = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            predictedCounts.add(histogram[c]);
            if (perClassCount[c] > 0) {
                perClass.add(new EvaluationReport.ClassAccuracy(c, perClassCount[c], perClassCorrect[c],
                        (double) perClassCorrect[c] / perClassCount[c]));
            }
        }

        ReferenceSummary summary = referenceSummary();
        FrechetDistance.Gaussian ref = summary.stats();
        FrechetDistance.Gaussian sampled = FrechetDistance.Gaussian.fit(features, n, dim);
        Double withinSpread = labelled < 2 ? null
                : withinClassVariance(features, samples.stream().mapToInt(SampleFile::label).toArray(), dim, classes)
                        / summary.withinClassVariance();
        double fd = FrechetDistance.distance(sampled, ref);
        int baselineCount = Math.min(n, baselinePool.size());
        FrechetDistance.Gaussian real = baselineStats(baselineCount);
        double baseline = FrechetDistance.distance(real, ref);
        return new EvaluationReport(samplesDir.toString(), dataset, n, labelled, correct,
                labelled == 0 ? null : (double) correct / labelled, List.copyOf(perClass), List.copyOf(predictedCounts),
                fd, FrechetDistance.meanTerm(sampled, ref), sampled.totalVariance() / ref.totalVariance(), withinSpread,
                baseline, FrechetDistance.meanTerm(real, ref), real.totalVariance() / ref.totalVariance(),
                baseline > 0 ? fd / baseline : Double.NaN, reference.size(), baselineCount, List.copyOf(misread));
    }

    /**
     * Fails naming {@code --dataset} when a sample in {@code samplesDir} does not have {@code data}'s image size and
     * colour: a check that needs no classifier, so a wrong {@code --dataset} is reported before one is trained.
     */
    public static void checkSamples(Path samplesDir, EvalData data) throws IOException {
        for (SampleFile s : listSamples(samplesDir)) {
            checkFits(Images.read(s.path()), s.path(), data.name(), data.test().imageSize(), data.test().channels());
        }
    }

    /**
     * Fails unless a sample has the dataset's size and channels. Grey data also takes colour files whose pixels are
     * all grey (other tools write those, and reading them as grey loses nothing); colour data takes colour files only.
     */
    private static void checkFits(BufferedImage img, Path file, String dataset, int side, int channels) {
        if (img.getWidth() != side || img.getHeight() != side
                || (channels == 3 ? Images.channels(img) != 3 : !Images.isGrey(img))) {
            throw new IllegalArgumentException("samples are " + img.getWidth() + "x" + img.getHeight() + " "
                    + colour(Images.channels(img)) + " (" + file.getFileName() + ") but --dataset " + dataset
                    + " takes " + side + "x" + side + " " + colour(channels));
        }
    }

    private static String colour(int channels) {
        return channels == 1 ? "grey" : "RGB";
    }

    /** Mean and covariance of the reference set's features (computed once). */
    public FrechetDistance.Gaussian referenceStats() {
        return referenceSummary().stats();
    }

    private synchronized ReferenceSummary referenceSummary() {
        if (referenceSummary == null) {
            int[] all = new int[reference.size()];
            int[] labels = new int[all.length];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
                labels[i] = reference.label(i);
            }
            float[] features = features(reference, all);
            referenceSummary = new ReferenceSummary(
                    FrechetDistance.Gaussian.fit(features, all.length, classifier.featureDim()),
                    withinClassVariance(features, labels, classifier.featureDim(), classifier.numClasses()));
        }
        return referenceSummary;
    }

    /**
     * The mean squared distance of each feature vector to the mean of its class: the variety within the classes,
     * without the distances between them. Vectors with a negative label (no class) are left out; classes with one
     * vector add nothing.
     */
    static double withinClassVariance(float[] features, int[] labels, int dim, int classes) {
        double[][] sums = new double[classes][dim];
        int[] counts = new int[classes];
        int labelled = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                continue;
            }
            labelled++;
            counts[labels[i]]++;
            for (int j = 0; j < dim; j++) {
                sums[labels[i]][j] += features[i * dim + j];
            }
        }
        double squared = 0;
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            if (c < 0) {
                continue;
            }
            for (int j = 0; j < dim; j++) {
                double d = features[i * dim + j] - sums[c][j] / counts[c];
                squared += d * d;
            }
        }
        return squared / labelled;
    }

    /** The Fréchet distance of {@code count} real images drawn from the baseline pool (seeded) to the reference. */
    public double baselineFd(int count) {
        return FrechetDistance.distance(baselineStats(count), referenceStats());
    }

    /** Mean and covariance of the features of {@code count} real images drawn from the baseline pool (seeded). */
    private FrechetDistance.Gaussian baselineStats(int count) {
        if (count < 2 || count > baselinePool.size()) {
            throw new IllegalArgumentException("baseline count must be between 2 and " + baselinePool.size()
                    + ", got " + count);
        }
        int[] drawn = dev.diffq.engine.data.DataOrder.shuffled(baselinePool.size(), BASELINE_SEED);
        int[] chosen = Arrays.copyOf(drawn, count);
        return FrechetDistance.Gaussian.fit(features(baselinePool, chosen), count, classifier.featureDim());
    }

    private float[] features(ImageDataset data, int[] indices) {
        int pixels = data.pixelsPerImage();
        int dim = classifier.featureDim();
        float[] out = new float[indices.length * dim];
        for (int start = 0; start < indices.length; start += CHUNK) {
            int count = Math.min(CHUNK, indices.length - start);
            float[] images = new float[count * pixels];
            for (int i = 0; i < count; i++) {
                data.copyImage(indices[start + i], images, i * pixels, false);
            }
            System.arraycopy(classifier.classify(images, count).features(), 0, out, start * dim, count * dim);
        }
        return out;
    }

    /** Sample files in the directory (not recursive), by image number. */
    static List<SampleFile> listSamples(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("samples: " + dir + " is not a directory");
        }
        List<SampleFile> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                SampleFile s = SampleFile.parse(p);
                if (s != null) {
                    out.add(s);
                }
            }
        }
        out.sort(Comparator.comparingLong(SampleFile::index).thenComparing(s -> s.path().getFileName().toString()));
        return out;
    }
}
