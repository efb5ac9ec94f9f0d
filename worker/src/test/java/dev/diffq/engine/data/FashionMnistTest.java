package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @TempDir
    Path tmp;

    /** Class c gets {@code perClass} images whose every pixel is 10*c + (index % 10); class 0 also gets empty entries. */
    private Path writePackage(int perClass) throws IOException {
        Path clothes = tmp.resolve("pkg/package/src/clothes");
        Files.createDirectories(clothes);
        for (int c = 0; c < 10; c++) {
            StringJoiner images = new StringJoiner(",", "{\"data\":[", "]}");
            if (c == 0) {
                images.add("[]");
            }
            for (int i = 0; i < perClass; i++) {
                StringJoiner px = new StringJoiner(",", "[", "]");
                for (int p = 0; p < 784; p++) {
                    px.add(Integer.toString(10 * c + i % 10));
                }
                images.add(px.toString());
            }
            if (c == 0) {
                images.add("[]");
            }
            Files.writeString(clothes.resolve(c + ".json"), images.toString());
        }
        return tmp.resolve("pkg/package");
    }

    @Test
    void splitsEverySeventhImageOfEachClassIntoTestAndSkipsEmptyEntries() throws IOException {
        Path pkg = writePackage(14);
        Path idx = tmp.resolve("idx");
        FashionMnist.writeIdxSplits(pkg, idx);
        InMemoryImageDataset train = IdxFiles.loadImagesAndLabels("f", idx.resolve("train-images-idx3-ubyte"),
                idx.resolve("train-labels-idx1-ubyte"), FashionMnist.CLASS_NAMES);
        InMemoryImageDataset test = IdxFiles.loadImagesAndLabels("f", idx.resolve("test-images-idx3-ubyte"),
                idx.resolve("test-labels-idx1-ubyte"), FashionMnist.CLASS_NAMES);
        assertEquals(10 * 12, train.size());
        assertEquals(10 * 2, test.size());
        // test images of class 3 are its 7th and 14th (indices 6 and 13): pixel values 36 and 33
        assertEquals(3, test.label(6));
        assertEquals(36, test.pixel(6, 0, 0, 0));
        assertEquals(33, test.pixel(7, 0, 5, 5));
        // the first train image of class 0 is index 0 of the class, not the empty entry
        assertEquals(0, train.label(0));
        assertEquals(0, train.pixel(0, 0, 0, 0));
        assertEquals(5, train.pixel(5, 0, 0, 0));
    }

    @Test
    void wrongImageLengthIsReported() throws IOException {
        Path pkg = writePackage(2);
        Files.writeString(pkg.resolve("src/clothes/4.json"), "{\"data\":[[1,2,3]]}");
        IOException e = assertThrows(IOException.class, () -> FashionMnist.writeIdxSplits(pkg, tmp.resolve("idx")));
        assertTrue(e.getMessage().contains("4.json") && e.getMessage().contains("3 values"), e.getMessage());
    }
}
