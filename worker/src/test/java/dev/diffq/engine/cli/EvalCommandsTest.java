package dev.diffq.engine.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Command-line handling of train-classifier and evaluate; bad input is rejected before any data is touched. */
class EvalCommandsTest {

    /** The --dataset choices as the commands list them (EvalDataTest checks the list itself). */
    private static final String NAMES = String.join(", ", dev.diffq.engine.eval.EvalData.names());

    private record Run(int code, String output) {
    }

    private static Run train(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = TrainClassifierCommand.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return new Run(code, buf.toString(StandardCharsets.UTF_8));
    }

    private static Run evaluate(String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code = EvaluateCommand.run(args, new PrintStream(buf, true, StandardCharsets.UTF_8));
        return new Run(code, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsUsage() {
        Run t = train("--help");
        assertEquals(0, t.code());
        assertTrue(t.output().startsWith("usage: train-classifier"), t.output());
        assertTrue(t.output().contains("--max-shift P       random shifts of up to P pixels as augmentation, 0..4 (default 1)"), t.output());
        assertTrue(t.output().contains("--dataset NAME      " + NAMES + " (default mnist)"), t.output());
        Run e = evaluate("-h");
        assertEquals(0, e.code());
        assertTrue(e.output().startsWith("usage: evaluate"), e.output());
        assertTrue(e.output().contains("--dataset NAME       the data the model learnt: " + NAMES + " (default mnist)"),
                e.output());
    }

    @Test
    void anUnknownDatasetIsRejectedNamingTheFlagAndTheChoices(@TempDir Path dir) {
        Run t = train("--dataset", "cifar");
        assertEquals(2, t.code());
        assertTrue(t.output().contains("train-classifier: --dataset must be one of " + NAMES + ", got 'cifar'"),
                t.output());
        Run e = evaluate("--samples", dir.toString(), "--dataset", "cifar");
        assertEquals(2, e.code());
        assertTrue(e.output().contains("evaluate: --dataset must be one of " + NAMES + ", got 'cifar'")
                && e.output().contains("usage:"), e.output());
        e = evaluate("--samples", dir.toString(), "--dataset");
        assertEquals(2, e.code());
        assertTrue(e.output().contains("--dataset needs a value"), e.output());
    }

    @Test
    void trainClassifierRejectsBadArguments() {
        Run r = train("--epochs", "many");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--epochs must be a whole number, got 'many'"), r.output());
        r = train("--epochs", "0");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("epochs must be between 1 and 100, got 0"), r.output());
        r = train("--seed");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--seed needs a value"), r.output());
        r = train("--max-shift", "9");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("max_shift must be between 0 and 4 pixels, got 9"), r.output());
        r = train("--fast");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("unknown argument '--fast'") && r.output().contains("usage:"), r.output());
    }

    @Test
    void evaluateRejectsBadArguments(@TempDir Path dir) {
        Run r = evaluate();
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--samples DIR is required"), r.output());
        r = evaluate("--samples", dir.resolve("nowhere").toString());
        assertEquals(2, r.code());
        assertTrue(r.output().contains("is not a directory"), r.output());
        r = evaluate("--samples", dir.toString(), "--jsn");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("unknown argument '--jsn'"), r.output());
        r = evaluate("--samples");
        assertEquals(2, r.code());
        assertTrue(r.output().contains("--samples needs a value"), r.output());
    }

    @Test
    void reportsRenderAsTextAndJson() throws Exception {
        var report = new dev.diffq.engine.eval.EvaluationReport("out/samples", "fashion-mnist", 30, 20, 18, 0.9,
                java.util.List.of(new dev.diffq.engine.eval.EvaluationReport.ClassAccuracy(3, 20, 18, 0.9)),
                java.util.List.of(0, 0, 0, 18, 0, 0, 0, 0, 12, 0), 12.5, 2.0, 0.8, 0.6, 5.0, 0.5, 1.02, 2.5, 10_000, 30,
                java.util.List.of(new dev.diffq.engine.eval.EvaluationReport.Misread("sample_c3_4.png", 3, 8),
                        new dev.diffq.engine.eval.EvaluationReport.Misread("sample_c3_9.png", 3, 8)));
        var manifest = new dev.diffq.engine.eval.ClassifierManifest(1, "arch", "fashion-mnist", 1, 28, 10, 128,
                "fashion-mnist sha256:x",
                1, 5, 128, 2e-3, 1e-4, 0.3f, 1, 0.9925, 10_000, 2345, 140.0, 1, "ab", "2025-01-01T00:00:00Z");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        EvaluateCommand.printText(report, manifest, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String text = buf.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("class accuracy: 0.9000 (18/20)"), text);
        assertTrue(text.contains("3: 0.900 (20)"), text);
        assertTrue(text.contains("FD to the 10000 fashion-mnist test images: 12.500 (means 2.000, covariances 10.500; "
                + "spread 0.80, within classes 0.60)"), text);
        assertTrue(text.contains("real-image baseline (30 fashion-mnist training images): 5.000 (means 0.500, "
                + "covariances 4.500; spread 1.02)"), text);
        assertTrue(text.contains("FD / baseline: 2.50"), text);
        assertTrue(text.contains("misread (file: read as): sample_c3_4.png: 8; sample_c3_9.png: 8\n"), text);

        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(EvaluateCommand.toJson(report, manifest));
        assertEquals("fashion-mnist", json.get("dataset").asText());
        assertEquals(30, json.get("count").asInt());
        assertEquals(0.9, json.get("class_accuracy").asDouble());
        assertEquals(3, json.get("per_class").get(0).get("label").asInt());
        assertEquals(12, json.get("predicted_counts").get(8).asInt());
        assertEquals(12.5, json.get("fd").asDouble());
        assertEquals(5.0, json.get("baseline_fd").asDouble());
        assertEquals(2.0, json.get("fd_mean_term").asDouble());
        assertEquals(0.5, json.get("baseline_fd_mean_term").asDouble());
        assertEquals(0.8, json.get("spread_ratio").asDouble());
        assertEquals(0.6, json.get("within_class_spread_ratio").asDouble());
        assertEquals(2.5, json.get("fd_ratio").asDouble());
        assertEquals(0.9925, json.get("classifier").get("test_accuracy").asDouble());
        assertEquals("sample_c3_9.png", json.get("misread").get(1).get("file").asText());
        assertEquals(8, json.get("misread").get(1).get("predicted").asInt());
    }
}
