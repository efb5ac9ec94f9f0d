package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import dev.diffq.engine.image.Images;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Four easily separated classes of square grey images (28x28 unless asked otherwise): a bright bar at the top (0),
 * bottom (1), left (2) or right (3), jittered by a pixel or two, over faint noise.
 */
final class SyntheticDigits {

    static final int SIZE = 28;
    static final int CLASSES = 4;

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

    /** Writes image {@code index} of {@code data} as a PNG. */
    static void writePng(InMemoryImageDataset data, int index, Path file) {
        float[] px = new float[SIZE * SIZE];
        data.copyImage(index, px, 0, false);
        Images.writePng(Images.fromChw(px, 1, SIZE, SIZE), file);
    }
}
