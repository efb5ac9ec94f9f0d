package dev.diffq.engine.eval;

/**
 * An image classifier seen by the {@link Evaluator}: class predictions plus a feature vector per image.
 * Images are square, channel-first ({@code C x H x W}) floats in [-1, 1], the layout datasets and
 * {@code Images.toChw} produce.
 */
public interface FeatureClassifier {

    /** Channels of the images it takes: 1 (grey) or 3 (RGB). */
    int channels();

    /** Side length of the (square) images it takes. */
    int imageSize();

    int numClasses();

    /** Length of one feature vector. */
    int featureDim();

    /**
     * Classifies {@code count} images laid out one after another in {@code images}
     * ({@code count * channels * imageSize^2} floats).
     */
    Classified classify(float[] images, int count);

    /** Argmax class per image and the features, {@code count * featureDim} floats, image-major. */
    record Classified(int[] predictions, float[] features) {
    }
}
