package dev.diffq.engine.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Draws batches from a dataset in the seeded, epoch-aware order of {@link DataOrder}, with an optional random
 * horizontal flip whose coin is also a function of the seed and the cursor, so restoring the cursor restores
 * everything.
 */
public final class BatchIterator {

    /** A batch on the host: pixels {@code B x C x H x W} in [-1, 1] and labels. */
    public record HostBatch(float[] pixels, int[] labels, int[] indices, int channels, int imageSize) {
        public int size() {
            return labels.length;
        }

        public Shape shape() {
            return new Shape(labels.length, channels, imageSize, imageSize);
        }

        /** The images as a float32 NDArray {@code [B, C, H, W]} on {@code manager}'s device. */
        public NDArray images(NDManager manager) {
            return manager.create(pixels, shape());
        }
    }

    private final ImageDataset dataset;
    private final DataOrder order;
    private final boolean randomFlip;

    public BatchIterator(ImageDataset dataset, long seed, boolean randomFlip) {
        this.dataset = dataset;
        this.order = new DataOrder(dataset.size(), seed);
        this.randomFlip = randomFlip;
    }

    public ImageDataset dataset() {
        return dataset;
    }

    public DataOrder.Cursor cursor() {
        return order.cursor();
    }

    public void seek(DataOrder.Cursor cursor) {
        order.seek(cursor);
    }

    public HostBatch next(int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        boolean[] flips = new boolean[batchSize];
        int[] indices = order.next(batchSize, flips);
        int per = dataset.pixelsPerImage();
        float[] pixels = new float[batchSize * per];
        int[] labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            dataset.copyImage(indices[i], pixels, i * per, randomFlip && flips[i]);
            labels[i] = dataset.label(indices[i]);
        }
        return new HostBatch(pixels, labels, indices, dataset.channels(), dataset.imageSize());
    }
}
