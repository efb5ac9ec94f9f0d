package dev.diffq.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** {@code metrics.jsonl}: one JSON object per logging step, appended and flushed as it is written. */
public final class MetricsLog {

    public static final String FILE = "metrics.jsonl";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;

    public MetricsLog(Path outDir) {
        this.file = outDir.resolve(FILE);
    }

    public Path file() {
        return file;
    }

    public void append(long step, double loss, double lr, double gradNorm, double imagesPerSec, double seconds,
                       double epoch) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("step", step);
        o.put("loss", loss);
        o.put("lr", lr);
        o.put("grad_norm", gradNorm);
        o.put("images_per_sec", Math.round(imagesPerSec * 10) / 10.0);
        o.put("time", Math.round(seconds * 1000) / 1000.0);
        o.put("epoch", Math.round(epoch * 10000) / 10000.0);
        Files.writeString(file, JSON.writeValueAsString(o) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** On resume: drops lines logged after {@code step} (they belong to the lost part of the run). */
    public void truncateAfter(long step) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        List<String> keep = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            try {
                JsonNode n = JSON.readTree(line);
                if (n.path("step").asLong(Long.MAX_VALUE) <= step) {
                    keep.add(line);
                }
            } catch (IOException e) {
                // a torn last line from a crash: drop it
            }
        }
        Files.write(file, keep, StandardCharsets.UTF_8);
    }

    /** All entries, for tests and tools. */
    public List<JsonNode> read() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
        }
        return out;
    }
}
