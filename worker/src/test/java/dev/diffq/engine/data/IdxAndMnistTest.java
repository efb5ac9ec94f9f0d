package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxAndMnistTest {

    @TempDir
    Path tmp;

    @Test
    void readsMnistPackageSplitsWithPixelsScaledToMinusOneOne() throws IOException {
        Path pkg = SyntheticData.mnistPackage(tmp, 12, 5);
        InMemoryImageDataset train = Mnist.fromPackage(pkg, Split.TRAIN);
        InMemoryImageDataset test = Mnist.fromPackage(pkg, Split.TEST);
        assertEquals(12, train.size());
        assertEquals(5, test.size());
        assertEquals(10, train.numClasses());
        assertEquals(1, train.channels());
        assertEquals(28, train.imageSize());
        assertEquals(7, train.label(7));
        float[] img = new float[784];
        train.copyImage(3, img, 0, false);
        for (int y = 0; y < 28; y += 9) {
            for (int x = 0; x < 28; x += 5) {
                float expected = SyntheticData.pixel(3, y, x, 28) / 255f * 2f - 1f;
                assertEquals(expected, img[y * 28 + x], 1e-6);
            }
        }
        float[] flipped = new float[784];
        train.copyImage(3, flipped, 0, true);
        assertEquals(img[5 * 28 + 27], flipped[5 * 28], 0f);
        assertEquals(img[5 * 28 + 2], flipped[5 * 28 + 25], 0f);
    }

    @Test
    void rejectsMalformedIdxFiles() throws IOException {
        Path notIdx = tmp.resolve("junk");
        Files.write(notIdx, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        IOException e = assertThrows(IOException.class, () -> IdxFiles.read(notIdx));
        assertTrue(e.getMessage().contains("not an idx file"), e.getMessage());

        Path truncated = tmp.resolve("short");
        IdxFiles.write(truncated, new int[] {10, 4, 4}, new byte[100]);
        e = assertThrows(IOException.class, () -> IdxFiles.read(truncated));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());

        Path images = tmp.resolve("images");
        Path labels = tmp.resolve("labels");
        IdxFiles.write(images, new int[] {3, 4, 4}, new byte[48]);
        IdxFiles.write(labels, new int[] {2}, new byte[2]);
        e = assertThrows(IOException.class,
                () -> IdxFiles.loadImagesAndLabels("x", images, labels, Mnist.CLASS_NAMES));
        assertTrue(e.getMessage().contains("3 images") && e.getMessage().contains("2 labels"), e.getMessage());

        IdxFiles.write(labels, new int[] {3}, new byte[] {0, 1, 12});
        e = assertThrows(IOException.class,
                () -> IdxFiles.loadImagesAndLabels("x", images, labels, Mnist.CLASS_NAMES));
        assertTrue(e.getMessage().contains("label 12"), e.getMessage());
    }
}
