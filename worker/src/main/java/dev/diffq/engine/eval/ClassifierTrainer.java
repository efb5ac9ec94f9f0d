package dev.diffq.engine.eval;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.diffq.engine.data.ImageDataset;
import dev.diffq.engine.train.AdamW;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains a {@link MnistClassifier} (grey or RGB) from a seed: weights, shuffles, shifts and dropout masks are all
 * drawn from the seed (dropout from the engine generator, reseeded every step), so the same seed gives the same
 * classifier.
 */
public final class ClassifierTrainer {

    /** A trained classifier with its held-out accuracy. The caller owns (and closes) the classifier. */
    public record Trained(MnistClassifier classifier, double testAccuracy, int testCount, long steps,
                          double trainSeconds) {
    }

    private ClassifierTrainer() {
    }

    /**
     * @param log progress lines (a few per epoch); may be null
     */
    public static Trained train(ImageDataset train, ImageDataset test, ClassifierTrainingOptions options,
                                Consumer<String> log) {
        options.validate();
        checkNotEmpty(train, "training set");
        checkNotEmpty(test, "test set");
        if (train.numClasses() != test.numClasses() || train.imageSize() != test.imageSize()
                || train.channels() != test.channels()) {
            throw new IllegalArgumentException("training and test sets differ: " + train.numClasses() + " vs "
                    + test.numClasses() + " classes, " + train.imageSize() + " vs " + test.imageSize() + " pixels, "
                    + train.channels() + " vs " + test.channels() + " channels");
        }
        Consumer<String> out = log == null ? s -> { } : log;
        long start = System.nanoTime();
        MnistClassifier classifier = MnistClassifier.create(train.channels(), train.imageSize(), train.numClasses(),
                options.dropout(), options.seed());
        try {
            long steps = runEpochs(classifier, train, options, out, start);
            double accuracy = accuracy(classifier, test);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.accept(String.format(Locale.ROOT, "test accuracy %.4f on %d images (%.1f s in all)", accuracy,
                    test.size(), seconds));
            return new Trained(classifier, accuracy, test.size(), steps, seconds);
        } catch (RuntimeException e) {
            classifier.close();
            throw e;
        }
    }

    private static long runEpochs(MnistClassifier classifier, ImageDataset train, ClassifierTrainingOptions o,
                                  Consumer<String> out, long start) {
        NDManager manager = classifier.manager();
        Engine engine = manager.getEngine();
        ClassifierNet net = classifier.net();
        List<NDArray> params = classifier.parameterArrays();
        int n = train.size();
        int batch = Math.min(o.batchSize(), n);
        int stepsPerEpoch = (n + batch - 1) / batch;
        long totalSteps = (long) stepsPerEpoch * o.epochs();
        int channels = train.channels();
        int side = train.imageSize();
        int pixels = train.pixelsPerImage();
        int classes = train.numClasses();
        ParameterStore store = new ParameterStore(manager, false);
        long step = 0;
        try (AdamW optimizer = new AdamW(manager, params, o.weightDecay())) {
            for (int epoch = 0; epoch < o.epochs(); epoch++) {
                int[] order = dev.diffq.engine.data.DataOrder.shuffled(n, mix(o.seed(), epoch));
                SplittableRandom shifts = new SplittableRandom(mix(o.seed() ^ 0x5DEECE66DL, epoch));
                double lossSum = 0;
                long correct = 0;
                int logEvery = Math.max(1, stepsPerEpoch / 4);
                for (int b = 0; b < stepsPerEpoch; b++) {
                    int from = b * batch;
                    int count = Math.min(batch, n - from);
                    float[] images = new float[count * pixels];
                    long[] labels = new long[count];
                    float[] one = new float[pixels];
                    for (int i = 0; i < count; i++) {
                        int index = order[from + i];
                        labels[i] = train.label(index);
                        if (o.maxShift() > 0) {
                            train.copyImage(index, one, 0, false);
                            shift(one, images, i * pixels, channels, side,
                                    shifts.nextInt(-o.maxShift(), o.maxShift() + 1),
                                    shifts.nextInt(-o.maxShift(), o.maxShift() + 1));
                        } else {
                            train.copyImage(index, images, i * pixels, false);
                        }
                    }
                    engine.setRandomSeed(MnistClassifier.intSeed(mix(o.seed(), 1_000_003L * epoch + b)));
                    double lr = learningRate(o, step, totalSteps);
                    try (NDManager sm = manager.newSubManager()) {
                        NDArray x = sm.create(images, new Shape(count, channels, side, side));
                        NDArray y = sm.create(labels);
                        NDArray loss;
                        NDArray logits;
                        try (GradientCollector collector = engine.newGradientCollector()) {
                            logits = net.apply(store, x, true).logits();
                            NDArray logp = logits.logSoftmax(1);
                            loss = logp.mul(y.oneHot(classes)).sum(new int[] {1}).mean().neg();
                            collector.backward(loss);
                        }
                        float l = loss.getFloat();
                        if (!Float.isFinite(l)) {
                            throw new IllegalStateException("classifier training diverged at step " + (step + 1)
                                    + " (loss " + l + "): lower the learning rate (now " + o.learningRate() + ")");
                        }
                        lossSum += l * count;
                        long[] predicted = logits.argMax(1).toLongArray();
                        for (int i = 0; i < count; i++) {
                            if (predicted[i] == labels[i]) {
                                correct++;
                            }
                        }
                        List<NDArray> grads = new ArrayList<>(params.size());
                        for (NDArray p : params) {
                            NDArray g = p.getGradient();
                            g.attach(sm);
                            grads.add(g);
                        }
                        optimizer.step(params, grads, lr);
                        for (NDArray g : grads) {
                            g.subi(g); // PyTorch accumulates gradients across backward calls: clear for the next step
                        }
                    }
                    step++;
                    if ((b + 1) % logEvery == 0 || b + 1 == stepsPerEpoch) {
                        int seen = Math.min(n, (b + 1) * batch);
                        out.accept(String.format(Locale.ROOT,
                                "epoch %d/%d  step %d/%d  loss %.4f  train acc %.4f  lr %.2e  %.1f s",
                                epoch + 1, o.epochs(), b + 1, stepsPerEpoch, lossSum / seen, (double) correct / seen, lr,
                                (System.nanoTime() - start) / 1e9));
                    }
                }
            }
        }
        return step;
    }

    /** Linear warm-up, then cosine decay to zero at the last step. */
    static double learningRate(ClassifierTrainingOptions o, long step, long totalSteps) {
        int warm = (int) Math.min(o.warmupSteps(), Math.max(0, totalSteps - 1));
        if (step < warm) {
            return o.learningRate() * (step + 1) / warm;
        }
        double progress = (double) (step - warm) / Math.max(1, totalSteps - warm);
        return o.learningRate() * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    /** Fraction of {@code data} the classifier labels correctly. */
    public static double accuracy(FeatureClassifier classifier, ImageDataset data) {
        int correct = 0;
        int chunk = 2000;
        int pixels = data.pixelsPerImage();
        for (int start = 0; start < data.size(); start += chunk) {
            int count = Math.min(chunk, data.size() - start);
            float[] images = new float[count * pixels];
            for (int i = 0; i < count; i++) {
                data.copyImage(start + i, images, i * pixels, false);
            }
            int[] predicted = classifier.classify(images, count).predictions();
            for (int i = 0; i < count; i++) {
                if (predicted[i] == data.label(start + i)) {
                    correct++;
                }
            }
        }
        return data.size() == 0 ? Double.NaN : (double) correct / data.size();
    }

    /**
     * Copies the {@code channels x side x side} image {@code src} moved by (dx, dy) into {@code dst} at
     * {@code offset}, every channel alike; uncovered pixels are black (-1).
     */
    static void shift(float[] src, float[] dst, int offset, int channels, int side, int dx, int dy) {
        int plane = side * side;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < side; y++) {
                int sy = y - dy;
                for (int x = 0; x < side; x++) {
                    int sx = x - dx;
                    dst[offset + c * plane + y * side + x] = sy < 0 || sy >= side || sx < 0 || sx >= side ? -1f
                            : src[c * plane + sy * side + sx];
                }
            }
        }
    }


    static long mix(long a, long b) {
        long z = a * 0x9E3779B97F4A7C15L + b + 0x2545F4914F6CDD1DL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void checkNotEmpty(ImageDataset d, String what) {
        if (d.size() == 0) {
            throw new IllegalArgumentException(what + " '" + d.name() + "' is empty");
        }
    }
}
