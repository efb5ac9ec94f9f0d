package dev.diffq.engine.eval;

import dev.diffq.engine.data.InMemoryImageDataset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The --dataset names and the identity of derived data (no downloads). */
class EvalDataTest {

    @Test
    void theDatasetsAreMnistFirstThenFashionMnist() {
        assertEquals(List.of("mnist", "fashion-mnist"), EvalData.names().subList(0, 2));
        assertEquals("mnist", EvalData.DEFAULT);
        assertEquals("fashion-mnist", EvalData.checkName("Fashion-MNIST"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EvalData.checkName("cifar"));
        assertEquals("--dataset must be one of " + String.join(", ", EvalData.names()) + ", got 'cifar'",
                e.getMessage());
    }

    @Test
    void theContentIdChangesWithAnyLabelOrPixelAndOnlyThen() {
        InMemoryImageDataset train = SyntheticDigits.colourDataset("t", 12, 1, 16);
        InMemoryImageDataset test = SyntheticDigits.colourDataset("t", 6, 2, 16);
        String id = EvalData.withContentId("colour", train, test).dataId();
        assertTrue(id.matches("colour sha256:[0-9a-f]{64}"), id);
        assertEquals(id, EvalData.withContentId("colour", SyntheticDigits.colourDataset("other name", 12, 1, 16),
                test).dataId(), "the same images and labels");
        assertNotEquals(id, EvalData.withContentId("colour", test, train).dataId(), "splits swapped");
        assertNotEquals(id, EvalData.withContentId("colour", SyntheticDigits.colourDataset("t", 12, 3, 16), test)
                .dataId(), "other pixels");
        assertNotEquals(id, EvalData.withContentId("colour", train, relabelled(test)).dataId(), "one label changed");
    }

    /** {@code d} with the first image's label moved to the next class, pixels unchanged. */
    private static InMemoryImageDataset relabelled(InMemoryImageDataset d) {
        int plane = d.imageSize() * d.imageSize();
        byte[] pixels = new byte[d.size() * d.channels() * plane];
        int[] labels = new int[d.size()];
        for (int i = 0; i < d.size(); i++) {
            labels[i] = d.label(i);
            for (int c = 0; c < d.channels(); c++) {
                for (int p = 0; p < plane; p++) {
                    pixels[(i * d.channels() + c) * plane + p] = (byte) d.pixel(i, c, p / d.imageSize(),
                            p % d.imageSize());
                }
            }
        }
        labels[0] = (labels[0] + 1) % d.numClasses();
        return new InMemoryImageDataset(d.name(), pixels, labels, d.classNames(), d.channels(), d.imageSize());
    }
}
