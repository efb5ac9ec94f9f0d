package dev.diffq.engine.data;

import java.util.List;

/**
 * A labelled image dataset held in memory at its final size, read by index.
 * Pixels come out as floats in [-1, 1], channel-major ({@code C x H x W}), the layout the UNet takes.
 */
public interface ImageDataset {

    /** A short name for messages and checkpoints ("mnist", "fashion-mnist", "emoji", a folder name). */
    String name();

    int size();

    int numClasses();

    /** Class names in label order; label {@code i} is {@code classNames().get(i)}. */
    List<String> classNames();

    int channels();

    /** Images are square, {@code imageSize x imageSize}. */
    int imageSize();

    int label(int index);

    /**
     * Writes image {@code index} into {@code dst} from {@code offset}, {@code channels * imageSize^2} floats in [-1, 1].
     *
     * @param flipHorizontal mirror left-right (data augmentation)
     */
    void copyImage(int index, float[] dst, int offset, boolean flipHorizontal);

    default int pixelsPerImage() {
        return channels() * imageSize() * imageSize();
    }
}
