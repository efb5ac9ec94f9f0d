package dev.diffq.engine.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class DataOrderTest {

    @Test
    void everyEpochIsAPermutationAndEpochsDiffer() {
        DataOrder order = new DataOrder(50, 7);
        int[] e0 = order.next(50, null);
        int[] e1 = order.next(50, null);
        assertArrayEquals(sortedRange(50), sorted(e0));
        assertArrayEquals(sortedRange(50), sorted(e1));
        assertFalse(Arrays.equals(e0, e1));
        assertFalse(Arrays.equals(e0, sortedRange(50)));
        assertEquals(new DataOrder.Cursor(2, 0), order.cursor());
        assertArrayEquals(e0, new DataOrder(50, 7).permutation(0));
        assertFalse(Arrays.equals(e0, new DataOrder(50, 8).permutation(0)), "another seed gives another order");
    }

    @Test
    void seekingToASavedCursorContinuesTheExactOrderAcrossEpochBoundaries() {
        DataOrder straight = new DataOrder(13, 42);
        boolean[] flips = new boolean[6];
        for (int i = 0; i < 5; i++) {
            straight.next(6, flips);
        }
        DataOrder.Cursor saved = straight.cursor();
        int[] expected = straight.next(20, null);

        DataOrder resumed = new DataOrder(13, 42);
        resumed.seek(saved);
        assertArrayEquals(expected, resumed.next(20, null));
    }

    @Test
    void flipCoinsAreSeededAndFair() {
        DataOrder a = new DataOrder(1000, 3);
        DataOrder b = new DataOrder(1000, 3);
        boolean[] fa = new boolean[4000];
        boolean[] fb = new boolean[4000];
        a.next(4000, fa);
        b.next(4000, fb);
        assertArrayEquals(fa, fb);
        int heads = 0;
        for (boolean f : fa) {
            heads += f ? 1 : 0;
        }
        assertTrue(heads > 1800 && heads < 2200, "heads " + heads);
    }

    @Test
    void batchIteratorFillsImagesLabelsAndAppliesFlips() {
        int n = 6;
        int s = 4;
        byte[] px = new byte[n * s * s];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int k = 0; k < s * s; k++) {
                px[i * s * s + k] = (byte) (i * 40 + k); // column index k % s increases to the right
            }
        }
        InMemoryImageDataset ds = new InMemoryImageDataset("t", px, labels, List.of("a", "b", "c"), 1, s);
        BatchIterator plain = new BatchIterator(ds, 5, false);
        BatchIterator flipping = new BatchIterator(ds, 5, true);
        BatchIterator.HostBatch p = plain.next(4);
        BatchIterator.HostBatch f = flipping.next(4);
        assertArrayEquals(p.indices(), f.indices());
        boolean[] coins = new boolean[4];
        new DataOrder(n, 5).next(4, coins);
        for (int i = 0; i < 4; i++) {
            assertEquals(ds.label(p.indices()[i]), p.labels()[i]);
            float left = p.pixels()[i * 16];
            float right = p.pixels()[i * 16 + 3];
            assertTrue(left >= -1f && right <= 1f && left < right);
            assertEquals(coins[i] ? right : left, f.pixels()[i * 16], 0f);
        }
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    private static int[] sortedRange(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }
}
