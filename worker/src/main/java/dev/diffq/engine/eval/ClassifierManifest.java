package dev.diffq.engine.eval;

import dev.diffq.engine.data.Mnist;

/**
 * What a cached classifier is: written as {@code manifest.json} after its parameters, so a manifest only exists for a
 * complete classifier. {@code dataset} is the {@code --dataset} name it was trained for, {@code dataId} names the
 * training data exactly (package and checksum, or content checksum), {@code paramsSha256} is the checksum of the
 * parameter file it describes.
 */
public record ClassifierManifest(int format, String architecture, String dataset, int channels, int imageSize,
                                 int numClasses, int featureDim, String dataId, long seed, int epochs, int batchSize,
                                 double learningRate, double weightDecay, float dropout, int maxShift,
                                 double testAccuracy, int testCount, long steps, double trainSeconds, int threads,
                                 String paramsSha256, String createdAt) {

    public static final int FORMAT = 1;

    /**
     * Manifests written before the dataset and channels were recorded are all of grey MNIST classifiers: read them as
     * such, so those cached classifiers are still found (and never taken for another dataset's).
     */
    public ClassifierManifest {
        if (dataset == null) {
            dataset = Mnist.NAME;
        }
        if (channels == 0) {
            channels = 1;
        }
    }
}
