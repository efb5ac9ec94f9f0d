package dev.diffq.engine.eval;

import java.util.List;

/**
 * How a set of generated images scores.
 *
 * @param dataset          the {@code --dataset} the samples are measured against
 * @param count            sample images read
 * @param labelledCount    of those, images with a single intended class (their file name says which)
 * @param correct          labelled images the classifier assigns to their intended class
 * @param classAccuracy    {@code correct / labelledCount}; null when no image is labelled
 * @param perClass         accuracy per intended class, for classes that have samples
 * @param predictedCounts  how many samples the classifier puts in each class (all samples), index = class
 * @param fd               Fréchet distance between classifier features of the samples and of the reference set
 * @param fdMeanTerm       the part of {@code fd} that the feature means make, {@code |mu_s - mu_r|^2}; the rest comes from
 *                         the covariances
 * @param baselineFd       the same distance for {@code baselineCount} real training images: what real images score
 *                         at this sample count (the distance is biased upwards for small sets)
 * @param spreadRatio      the samples' total feature variance over the reference set's ({@code Tr S_s / Tr S_r}): below
 *                         1 the samples vary less than real images, above 1 more
 * @param withinClassSpreadRatio the labelled samples' mean squared feature distance to their intended class's mean, over
 *                         the same for the reference set by its true classes: the variety within the classes alone
 *                         (below 1 less than real images); null when fewer than 2 samples are labelled
 * @param baselineFdMeanTerm the mean part of {@code baselineFd}
 * @param baselineSpreadRatio the same ratio for the baseline's real images
 * @param fdRatio          {@code fd / baselineFd}: about 1 means as close to the reference as real images
 * @param referenceCount   images in the reference set (the dataset's test split)
 * @param misread          the labelled samples the classifier assigns to another class, in file order
 */
public record EvaluationReport(String samplesDir, String dataset, int count, int labelledCount, int correct,
                               Double classAccuracy, List<ClassAccuracy> perClass, List<Integer> predictedCounts,
                               double fd, double fdMeanTerm, double spreadRatio, Double withinClassSpreadRatio,
                               double baselineFd, double baselineFdMeanTerm,
                               double baselineSpreadRatio, double fdRatio, int referenceCount, int baselineCount,
                               List<Misread> misread) {

    /** Accuracy on the samples meant to be class {@code label}. */
    public record ClassAccuracy(int label, int count, int correct, double accuracy) {
    }

    /** A sample meant to be class {@code label} that the classifier reads as {@code predicted}. */
    public record Misread(String file, int label, int predicted) {
    }
}
