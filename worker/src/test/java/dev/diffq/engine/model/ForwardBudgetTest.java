package dev.diffq.engine.model;

import ai.djl.Device;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ForwardBudgetTest {
    private static final String PROPERTY = "diffq.maxForwardImages";

    @AfterEach
    void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void theLargestActivationOfEachPresetSetsItsImagesPerCpuPass() {
        // mnist-small: the up path's 32 + 64 channel concatenation at 28x28, 4 bytes each
        assertEquals(4L * 96 * 28 * 28, ForwardBudget.largestActivationBytes(UNetConfig.preset("mnist-small")));
        // rgb32: attention at 16x16: 4 heads x 256 x 256 scores is above the 192-channel concatenation at 32x32
        assertEquals(4L * 4 * 256 * 256, ForwardBudget.largestActivationBytes(UNetConfig.preset("rgb32")));
        assertEquals(111, ForwardBudget.imagesPerPass(UNetConfig.preset("mnist-small"), Device.cpu()));
        assertEquals(32, ForwardBudget.imagesPerPass(UNetConfig.preset("rgb32"), Device.cpu()));
        assertEquals(10, ForwardBudget.imagesPerPass(UNetConfig.preset("rgb64"), Device.cpu()));
        assertEquals(ForwardBudget.UNLIMITED, ForwardBudget.imagesPerPass(UNetConfig.preset("rgb64"), Device.gpu()));
    }

    @Test
    void piecesAreAsEqualAsPossible() {
        assertEquals(64, ForwardBudget.pieceSize(64, 111));
        assertEquals(64, ForwardBudget.pieceSize(128, 111)); // 64 + 64, not 111 + 17
        assertEquals(103, ForwardBudget.pieceSize(512, 111)); // five pieces
        assertEquals(32, ForwardBudget.pieceSize(128, 32));
        assertEquals(1, ForwardBudget.pieceSize(3, 1));
        for (int n = 1; n <= 300; n++) {
            for (int cap : new int[] {1, 7, 32, 111}) {
                int size = ForwardBudget.pieceSize(n, cap);
                assertTrue(size >= 1 && size <= Math.max(1, cap), n + " at " + cap + ": " + size);
                long pieces = (n + size - 1) / size;
                assertEquals((n + cap - 1) / cap, pieces, "no more pieces than the cap needs: " + n + " at " + cap);
            }
        }
    }

    @Test
    void thePropertySetsOrLiftsTheLimitAndBadValuesAreNamed() {
        UNetConfig cfg = UNetConfig.preset("mnist-small");
        System.setProperty(PROPERTY, "16");
        assertEquals(16, ForwardBudget.imagesPerPass(cfg, Device.cpu()));
        assertEquals(16, ForwardBudget.imagesPerPass(cfg, Device.gpu()));
        System.setProperty(PROPERTY, "0");
        assertEquals(ForwardBudget.UNLIMITED, ForwardBudget.imagesPerPass(cfg, Device.cpu()));
        System.setProperty(PROPERTY, "-3");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ForwardBudget.imagesPerPass(cfg, Device.cpu()));
        assertTrue(e.getMessage().contains(PROPERTY) && e.getMessage().contains(">= 0"), e.getMessage());
        System.setProperty(PROPERTY, "many");
        e = assertThrows(IllegalArgumentException.class, () -> ForwardBudget.imagesPerPass(cfg, Device.cpu()));
        assertTrue(e.getMessage().contains("'many'"), e.getMessage());
    }
}
