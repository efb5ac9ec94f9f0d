package dev.diffq.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.TrainConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainCommandTest {

    @TempDir
    Path tmp;

    private record Outcome(int status, String output) {
    }

    private static Outcome run(String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = TrainCommand.run(args, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return new Outcome(status, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsSayWhatIsWrong() {
        Outcome o = run();
        assertEquals(2, o.status());
        assertTrue(o.output().contains("--out DIR is required") && o.output().contains("usage:"), o.output());

        o = run("--out", tmp.toString(), "--dataset", "mnist", "--stepz", "3");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("unknown argument(s): --stepz 3"), o.output());

        o = run("--out", tmp.toString(), "--dataset", "mnist");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("give --steps N or --minutes M"), o.output());

        o = run("--out", tmp.toString(), "--dataset", "mnist", "--steps", "ten");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("--steps: 'ten' is not a whole number"), o.output());

        o = run("--out", tmp.toString(), "--dataset", "mnist", "--steps", "10", "--batch", "0", "--device", "tpu",
                "--adam-beta2", "0.8", "--timestep-shift", "20", "--label-dropout", "1.5", "--loss", "l3",
                "--optimizer", "sgd");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("timestep_shift: must be in [0.1, 10]"), o.output());
        assertTrue(o.output().contains("adam_beta2: must be in [0.9, 1)"), o.output());
        assertTrue(o.output().contains("label_dropout: must be in [0, 1]"), o.output());
        assertTrue(o.output().contains("loss: must be one of l2, l1, huber"), o.output());
        assertTrue(o.output().contains("optimizer: must be one of adamw, muon"), o.output());
        assertTrue(o.output().contains("batch_size: must be between 1 and 4096"), o.output());
        assertTrue(o.output().contains("device: must be auto, cpu, gpu or gpu:N"), o.output());

        o = run("--out", tmp.toString(), "--dataset", "mnist", "--steps", "10", "--timestep-draw", "sobol");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("--timestep-draw: must be independent or stratified, got 'sobol'"), o.output());

        o = run("--out", tmp.toString(), "--dataset", tmp.resolve("nope").toString(), "--steps", "1");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("not mnist, fashion-mnist, emoji or an existing folder"), o.output());

        o = run("--out", tmp.toString(), "--preset", "huge", "--dataset", "mnist", "--steps", "1");
        assertEquals(2, o.status());
        assertTrue(o.output().contains("unknown preset 'huge'"), o.output());

        o = run("--help");
        assertEquals(0, o.status());
        assertTrue(o.output().startsWith("usage:"));
    }

    @Test
    void trainsOnAFolderShowsProgressAndResumesOnlyWhenAsked() throws IOException {
        Path data = tmp.resolve("shapes");
        for (String cls : new String[] {"dark", "light"}) {
            for (int i = 0; i < 3; i++) {
                BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                g.setColor(cls.equals("dark") ? Color.DARK_GRAY : Color.LIGHT_GRAY);
                g.fillRect(i, i, 10, 10);
                g.dispose();
                Files.createDirectories(data.resolve(cls));
                ImageIO.write(img, "png", data.resolve(cls + "/" + i + ".png").toFile());
            }
        }
        Path out = tmp.resolve("run");
        Outcome o = run("--dataset", data.toString(), "--steps", "2", "--batch", "2", "--out", out.toString(),
                "--device", "cpu", "--log-every", "1", "--label-dropout", "0.05", "--loss", "L1",
                "--timestep-draw", "Independent", "--optimizer", "AdamW");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("mnist-small (2 classes)"), o.output());
        assertTrue(o.output().contains("step 2/2 [========================] 100% loss "), o.output());
        assertTrue(o.output().contains("completed at step 2"), o.output());
        Path latest = Checkpoint.latest(out.resolve(Checkpoint.ROOT_NAME));
        assertEquals("step-2", latest.getFileName().toString());
        TrainConfig saved = Checkpoint.readConfig(latest);
        assertEquals(2, saved.model().numClasses());
        assertEquals(28, saved.model().imageSize());
        assertEquals(0.05, saved.labelDropout());
        assertEquals("l1", saved.loss());
        assertFalse(saved.stratifiedTimesteps(), "the default is stratified; the option turns it off");
        assertEquals("adamw", saved.optimizer(), "the default is muon; the option picks AdamW throughout");
        assertEquals(2, Files.readAllLines(out.resolve("metrics.jsonl")).size());

        o = run("--dataset", data.toString(), "--steps", "3", "--out", out.toString());
        assertEquals(2, o.status());
        assertTrue(o.output().contains("pass --resume"), o.output());

        o = run("--resume", "--steps", "3", "--out", out.toString(), "--device", "cpu");
        assertEquals(0, o.status(), o.output());
        assertTrue(o.output().contains("completed at step 3"), o.output());
        assertEquals("step-3", Checkpoint.latest(out.resolve(Checkpoint.ROOT_NAME)).getFileName().toString());
        assertEquals(2, Checkpoint.readConfig(Checkpoint.latest(out.resolve(Checkpoint.ROOT_NAME))).batchSize(),
                "a resumed run keeps the saved settings it was not told to change");
    }

    @Test
    void progressLineFormatsDurations() {
        String line = TrainCommand.ProgressBar.line(50, 200, 0.04567, 812.4, 192);
        assertEquals("step 50/200 [======                  ]  25% loss 0.0457 | 812 img/s | ETA 3m12s", line);
        assertEquals("2h05m", TrainCommand.ProgressBar.duration(7500));
        assertEquals("?", TrainCommand.ProgressBar.duration(Double.POSITIVE_INFINITY));
    }
}
