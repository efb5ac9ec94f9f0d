package dev.diffq.engine.eval;

/**
 * A digit classifier seen by the {@link Evaluator}: class predictions plus a feature vector per image.
 * Images are grey, square, channel-first floats in [-1, 1], the layout datasets and {@code Images.toChw} produce.
 */
public interface FeatureClassifier {

    /** Side length of the (square, one-channel) images it takes. */
    int imageSize();

    int numClasses();

    /** Length of one feature vector. */
    int featureDim();

    /**
     * Classifies {@code count} images laid out one after another in {@code images}
     * ({@code count * imageSize^2} floats).
     */
    Classified classify(float[] images, int count);

    /** Argmax class per image and the features, {@code count * featureDim} floats, image-major. */
    record Classified(int[] predictions, float[] features) {
    }
}
