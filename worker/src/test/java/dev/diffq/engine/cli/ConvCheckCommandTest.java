package dev.diffq.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** engine check-conv: a small grid end to end, and bad options named before any work. */
class ConvCheckCommandTest {

    private record Run(int code, String output) {}

    private static Run run(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = EngineCli.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return new Run(code, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void smallGridIsRightThroughConvAndReportsEveryShape() throws Exception {
        // 24 in was wrong forward on AVX-512 and 8 out wrong backward; through Conv every shape must be right
        Run r = run("check-conv", "--channels", "8,24", "--layers", "3:1,3:2", "--json");
        assertEquals(0, r.code(), r.output());
        JsonNode report = new ObjectMapper().readTree(r.output());
        assertEquals(8, report.get("layer_shapes").asInt(), r.output());
        assertEquals(0, report.get("conv_wrong").asInt(), r.output());
        assertEquals("cpu()", report.get("device").asText(), r.output());

        Run text = run("check-conv", "--channels", "16", "--layers", "1:1");
        assertEquals(0, text.code(), text.output());
        assertTrue(text.output().contains("1 layer shapes") && text.output().contains("OK: the padding covers"),
                text.output());
    }

    @Test
    void badOptionsAreNamed() {
        Run r = run("check-conv", "--layers", "2:1");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--layers must be kernel:stride pairs"), r.output());
        r = run("check-conv", "--channels", "8,x");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--channels must be a comma-separated list"), r.output());
        r = run("check-conv", "--size", "0");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--size must be a whole number between 1 and 512"), r.output());
        r = run("check-conv", "--fast", "1");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("fast") && r.output().contains("usage: check-conv"), r.output());
        r = run("check-conv", "--help");
        assertEquals(0, r.code());
        assertTrue(r.output().startsWith("usage: check-conv"), r.output());
    }
}
