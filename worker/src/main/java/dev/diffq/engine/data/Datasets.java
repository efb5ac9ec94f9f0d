package dev.diffq.engine.data;

import dev.diffq.engine.model.UNetConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Opens a dataset by name ("mnist", "fashion-mnist", "emoji") or folder path, and checks that it fits a model. */
public final class Datasets {

    private static final String MNIST_PRESETS = "the mnist-small or mnist-base preset";

    private Datasets() {
    }

    /** Whether {@code spec} names a built-in dataset rather than a folder. */
    public static boolean isBuiltIn(String spec) {
        String s = spec.toLowerCase(Locale.ROOT);
        return s.equals(Mnist.NAME) || s.equals(FashionMnist.NAME) || s.equals(Emoji.NAME);
    }

    /**
     * Opens the training split of {@code spec} for {@code model} and validates it ({@link #checkFits}).
     * A folder is decoded at the model's image size and channel count.
     */
    public static ImageDataset openForTraining(String spec, UNetConfig model, NpmPackageCache cache) throws IOException {
        if (spec == null || spec.isBlank()) {
            throw new DatasetException("dataset: must be set: mnist, fashion-mnist, emoji, or a folder with one sub-folder per class");
        }
        checkModelImageSize(model);
        String s = spec.toLowerCase(Locale.ROOT);
        ImageDataset ds;
        if (s.equals(Mnist.NAME)) {
            checkBuiltInFits(Mnist.NAME, Mnist.IMAGE_SIZE, 1, MNIST_PRESETS, model);
            ds = Mnist.load(cache, Split.TRAIN);
        } else if (s.equals(FashionMnist.NAME)) {
            checkBuiltInFits(FashionMnist.NAME, FashionMnist.IMAGE_SIZE, 1, MNIST_PRESETS, model);
            ds = FashionMnist.load(cache, Split.TRAIN);
        } else if (s.equals(Emoji.NAME)) {
            checkBuiltInFits(Emoji.NAME, Emoji.IMAGE_SIZE, 3, "the rgb32 preset", model);
            ds = Emoji.load(cache, Split.TRAIN);
        } else {
            ds = ImageFolderDataset.load(Path.of(spec), model.imageSize(), model.inChannels());
        }
        checkFits(ds, model);
        return ds;
    }

    /** Fails with a message naming the field and the fix when {@code ds} cannot train {@code model}. */
    public static void checkFits(ImageDataset ds, UNetConfig model) {
        checkModelImageSize(model);
        if (ds.size() == 0) {
            throw new DatasetException("dataset '" + ds.name() + "' holds no images");
        }
        if (ds.channels() != model.inChannels()) {
            throw new DatasetException("dataset '" + ds.name() + "' has " + ds.channels() + "-channel images but "
                    + "model.in_channels is " + model.inChannels() + ": set model.in_channels=" + ds.channels()
                    + (ds.channels() == 1 ? " (or use the mnist-small / mnist-base preset)" : ""));
        }
        if (ds.imageSize() != model.imageSize()) {
            throw new DatasetException("dataset '" + ds.name() + "' has " + ds.imageSize() + "x" + ds.imageSize()
                    + " images but model.image_size is " + model.imageSize() + ": set model.image_size="
                    + ds.imageSize() + " or use a preset made for that size");
        }
        if (model.numClasses() > 0 && model.numClasses() != ds.numClasses()) {
            throw new DatasetException("dataset '" + ds.name() + "' has " + ds.numClasses() + " classes "
                    + ds.classNames() + " but model.num_classes is " + model.numClasses() + ": set model.num_classes="
                    + ds.numClasses() + " (or 0 to train an unconditional model)");
        }
    }

    /** The UNet halves the resolution (levels - 1) times: the image size must divide evenly. */
    public static void checkModelImageSize(UNetConfig model) {
        int factor = 1 << Math.max(0, model.levels() - 1);
        if (model.imageSize() < factor || model.imageSize() % factor != 0) {
            throw new DatasetException("model.image_size " + model.imageSize() + " does not fit a UNet with "
                    + model.levels() + " levels: it must be a multiple of " + factor + " (2^(levels-1)), e.g. "
                    + Math.max(factor, Math.round((double) model.imageSize() / factor) * factor));
        }
    }

    /** @param presets the presets made for the dataset, as the message names them */
    private static void checkBuiltInFits(String name, int size, int channels, String presets, UNetConfig model) {
        // checked before loading, so a mismatch does not first download tens of megabytes
        if (model.imageSize() != size) {
            throw new DatasetException("dataset '" + name + "' has " + size + "x" + size + " images but model.image_size is "
                    + model.imageSize() + ": use " + presets + ", or set model.image_size=" + size);
        }
        if (model.inChannels() != channels) {
            throw new DatasetException("dataset '" + name + "' has " + channels + "-channel images but model.in_channels is "
                    + model.inChannels() + ": use " + presets + ", or set model.in_channels=" + channels);
        }
        if (model.numClasses() != 0 && model.numClasses() != 10) {
            throw new DatasetException("dataset '" + name + "' has 10 classes but model.num_classes is "
                    + model.numClasses() + ": set model.num_classes=10 (or 0 for an unconditional model)");
        }
    }
}
