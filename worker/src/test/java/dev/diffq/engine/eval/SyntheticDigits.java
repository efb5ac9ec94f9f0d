package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.image.Images;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Four easily separated classes of square grey images (28x28 unless asked otherwise): a bright bar at the top (0),
 * bottom (1), left (2) or right (3), jittered by a pixel or two, over faint noise. And three classes of RGB images
 * that only colour tells apart (see {@link #colourDataset}).
 */
final class SyntheticDigits {

    static final int SIZE = 28;
    static final int CLASSES = 4;
    static final int COLOUR_SIZE = 32;
    static final int COLOUR_CLASSES = 3;
    /** The bar of each colour class: red, green, blue, each of luma 0.299 R + 0.587 G + 0.114 B = 29 (+-0.2). */
    static final int[][] BAR_RGB = {{97, 0, 0}, {0, 49, 0}, {0, 0, 254}};

    private SyntheticDigits() {
    }

    static InMemoryImageDataset dataset(String name, int count, long seed) {
        return dataset(name, count, seed, SIZE);
    }

    static InMemoryImageDataset dataset(String name, int count, long seed, int size) {
        SplittableRandom rng = new SplittableRandom(seed);
        byte[] pixels = new byte[count * size * size];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % CLASSES;
            draw(labels[i], rng, pixels, i * size * size, size);
        }
        return new InMemoryImageDataset(name, pixels, labels, List.of("top", "bottom", "left", "right"), 1, size);
    }

    private static void draw(int cls, SplittableRandom rng, byte[] out, int offset, int size) {
        int width = 3 + rng.nextInt(3);
        int jitter = Math.max(1, size / 14);
        int pos = (cls % 2 == 0 ? size / 7 : size - size / 7 - width) + rng.nextInt(-jitter, jitter + 1);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int along = cls < 2 ? y : x;
                boolean bar = along >= pos && along < pos + width;
                int v = bar ? 180 + rng.nextInt(76) : rng.nextInt(40);
                out[offset + y * size + x] = (byte) v;
            }
        }
    }

    /**
     * RGB images ({@code N x 3 x size x size}) of {@link #COLOUR_CLASSES} classes: a bar of the class's colour
     * ({@link #BAR_RGB}) at the top, bottom, left or right (at random), over faint grey noise. The bar colours have the
     * same luma, so a grey copy of the images cannot tell the classes apart: only a reader of all three channels can.
     */
    static InMemoryImageDataset colourDataset(String name, int count, long seed, int size) {
        SplittableRandom rng = new SplittableRandom(seed);
        int plane = size * size;
        byte[] pixels = new byte[count * 3 * plane];
        int[] labels = new int[count];
        byte[] bar = new byte[plane];
        for (int i = 0; i < count; i++) {
            labels[i] = i % COLOUR_CLASSES;
            draw(rng.nextInt(CLASSES), rng, bar, 0, size);
            for (int p = 0; p < plane; p++) {
                int noise = rng.nextInt(16);
                boolean inBar = (bar[p] & 0xFF) >= 180;
                for (int c = 0; c < 3; c++) {
                    int v = inBar && BAR_RGB[labels[i]][c] > 0 ? BAR_RGB[labels[i]][c] : noise;
                    pixels[(i * 3 + c) * plane + p] = (byte) v;
                }
            }
        }
        return new InMemoryImageDataset(name, pixels, labels, List.of("red", "green", "blue"), 3, size);
    }

    /** Writes image {@code index} of {@code data} as a PNG (grey or RGB, like the sampler writes them). */
    static void writePng(InMemoryImageDataset data, int index, Path file) {
        float[] px = new float[data.pixelsPerImage()];
        data.copyImage(index, px, 0, false);
        Images.writePng(Images.fromChw(px, data.channels(), data.imageSize(), data.imageSize()), file);
    }
}
