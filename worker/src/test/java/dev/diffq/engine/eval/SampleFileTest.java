package dev.diffq.engine.eval;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SampleFileTest {

    @Test
    void conditionalNamesCarryTheirClass() {
        SampleFile s = SampleFile.parse(Path.of("out", "sample_c7_123.png"));
        assertEquals(7, s.label());
        assertEquals(123, s.index());
        assertEquals("7", s.tag());
        assertTrue(s.labelled());
    }

    @Test
    void unconditionalAndMixedNamesHaveNoClass() {
        SampleFile u = SampleFile.parse(Path.of("sample_u_4.png"));
        assertEquals(-1, u.label());
        assertEquals(4, u.index());
        assertFalse(u.labelled());
        SampleFile cu = SampleFile.parse(Path.of("sample_cu_12.png")); // the sampler's own spelling
        assertEquals("u", cu.tag());
        assertEquals(12, cu.index());
        assertFalse(cu.labelled());
        SampleFile mixed = SampleFile.parse(Path.of("sample_c3-8_9.png"));
        assertEquals(-1, mixed.label());
        assertEquals("3-8", mixed.tag());
        assertEquals(9, mixed.index());
    }

    @Test
    void otherFilesAreNotSamples() {
        assertNull(SampleFile.parse(Path.of("grid.png")));
        assertNull(SampleFile.parse(Path.of("trajectory.gif")));
        assertNull(SampleFile.parse(Path.of("sample_c3_1.jpg")));
    }

    @Test
    void aBadClassTagIsReportedWithTheFileName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SampleFile.parse(Path.of("sample_cx_1.png")));
        assertTrue(e.getMessage().contains("sample_cx_1.png") && e.getMessage().contains("class tag"), e.getMessage());
    }
}
