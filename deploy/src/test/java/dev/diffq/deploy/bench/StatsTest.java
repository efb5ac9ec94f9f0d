package dev.diffq.deploy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.LongStream;

import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void nearestRankPercentilesOfOneToHundred() {
        long[] sorted = LongStream.rangeClosed(1, 100).toArray();
        assertEquals(50, Stats.percentile(sorted, 50));
        assertEquals(95, Stats.percentile(sorted, 95));
        assertEquals(99, Stats.percentile(sorted, 99));
        assertEquals(100, Stats.percentile(sorted, 100));
        assertEquals(1, Stats.percentile(sorted, 0.5)); // rank ceil(0.5) = 1
    }

    @Test
    void percentileIsAlwaysAMeasuredSample() {
        long[] sorted = {10, 20, 30, 40};
        assertEquals(20, Stats.percentile(sorted, 50)); // rank 2, no interpolation to 25
        assertEquals(40, Stats.percentile(sorted, 95)); // rank ceil(3.8) = 4
        assertEquals(40, Stats.percentile(new long[] {40}, 1));
    }

    @Test
    void wholePercentOfTwentyDoesNotRoundUpARank() {
        // 0.95 * 20 in floating point is a hair over 19: the rank must still be 19
        long[] sorted = LongStream.rangeClosed(1, 20).toArray();
        assertEquals(19, Stats.percentile(sorted, 95));
    }

    @Test
    void ofNanosSortsAConvertsToMillisecondsAndLeavesTheInputAlone() {
        long[] nanos = {5_000_000, 1_000_000, 3_000_000, 2_000_000, 4_000_000};
        Stats s = Stats.ofNanos(nanos);
        assertEquals(5, s.count());
        assertEquals(1.0, s.minMs(), 1e-9);
        assertEquals(3.0, s.meanMs(), 1e-9);
        assertEquals(3.0, s.p50Ms(), 1e-9);
        assertEquals(5.0, s.p95Ms(), 1e-9);
        assertEquals(5.0, s.p99Ms(), 1e-9);
        assertEquals(5.0, s.maxMs(), 1e-9);
        assertEquals(5_000_000, nanos[0], "the caller's array is not sorted in place");
    }

    @Test
    void noSamplesGiveAnEmptySummaryAndBadPercentilesAreRefused() {
        Stats empty = Stats.ofNanos(new long[0]);
        assertEquals(0, empty.count());
        assertTrue(Double.isNaN(empty.p99Ms()));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new long[0], 50));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new long[] {1}, 0));
        assertThrows(IllegalArgumentException.class, () -> Stats.percentile(new long[] {1}, 101));
    }
}
