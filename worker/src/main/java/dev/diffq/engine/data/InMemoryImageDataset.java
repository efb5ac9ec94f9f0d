package dev.diffq.engine.data;

import java.util.List;
import java.util.Objects;

/** An {@link ImageDataset} over 8-bit pixels in one array ({@code N x C x H x W}), the form every loader produces. */
public final class InMemoryImageDataset implements ImageDataset {

    private final String name;
    private final byte[] pixels;
    private final int[] labels;
    private final List<String> classNames;
    private final int channels;
    private final int imageSize;
    private final int pixelsPerImage;

    public InMemoryImageDataset(String name, byte[] pixels, int[] labels, List<String> classNames, int channels, int imageSize) {
        this.name = Objects.requireNonNull(name, "name");
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.labels = Objects.requireNonNull(labels, "labels");
        this.classNames = List.copyOf(classNames);
        this.channels = channels;
        this.imageSize = imageSize;
        this.pixelsPerImage = channels * imageSize * imageSize;
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("imageSize must be positive, got " + imageSize);
        }
        if ((long) labels.length * pixelsPerImage != pixels.length) {
            throw new IllegalArgumentException("dataset '" + name + "': " + labels.length + " labels but "
                    + pixels.length + " pixel bytes (expected " + (long) labels.length * pixelsPerImage + ")");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
                throw new IllegalArgumentException("dataset '" + name + "': image " + i + " has label " + labels[i]
                        + ", outside 0.." + (this.classNames.size() - 1));
            }
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public int numClasses() {
        return classNames.size();
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int imageSize() {
        return imageSize;
    }

    @Override
    public int label(int index) {
        return labels[index];
    }

    @Override
    public void copyImage(int index, float[] dst, int offset, boolean flipHorizontal) {
        int base = index * pixelsPerImage;
        int s = imageSize;
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < s; y++) {
                int row = base + (c * s + y) * s;
                int out = offset + (c * s + y) * s;
                for (int x = 0; x < s; x++) {
                    int src = flipHorizontal ? row + (s - 1 - x) : row + x;
                    // 0..255 -> [-1, 1]
                    dst[out + x] = (pixels[src] & 0xFF) * (2f / 255f) - 1f;
                }
            }
        }
    }

    /** The raw byte of channel {@code c}, row {@code y}, column {@code x} of image {@code index}. */
    public int pixel(int index, int c, int y, int x) {
        return pixels[index * pixelsPerImage + (c * imageSize + y) * imageSize + x] & 0xFF;
    }
}
