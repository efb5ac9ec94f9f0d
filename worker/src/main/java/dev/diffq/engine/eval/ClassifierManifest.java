package dev.diffq.engine.eval;

/**
 * What a cached classifier is: written as {@code manifest.json} after its parameters, so a manifest only exists for a
 * complete classifier. {@code dataId} names the training data exactly (package and checksum), {@code paramsSha256}
 * is the checksum of the parameter file it describes.
 */
public record ClassifierManifest(int format, String architecture, int imageSize, int numClasses, int featureDim,
                                 String dataId, long seed, int epochs, int batchSize, double learningRate,
                                 double weightDecay, float dropout, int maxShift, double testAccuracy, int testCount,
                                 long steps, double trainSeconds, int threads, String paramsSha256, String createdAt) {

    public static final int FORMAT = 1;
}
