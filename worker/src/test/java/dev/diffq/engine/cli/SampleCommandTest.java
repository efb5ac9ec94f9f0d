package dev.diffq.engine.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.engine.train.TrainListener;
import dev.diffq.engine.train.TrainResult;

/** The engine's sampling commands on a real (tiny) checkpoint: files, names, determinism and usage errors. */
class SampleCommandTest {
    @TempDir
    static Path tmp;
    static Path run;

    @BeforeAll
    static void trainTinyModel() throws Exception {
        run = train("run", 2, 3, 20);
    }

    /** A tiny 2-class model trained for {@code steps} on 8x8 halves (class 0 bright on top, class 1 below). */
    private static Path train(String dir, long steps, long seed, int timesteps) throws Exception {
        UNetConfig tiny = new UNetConfig(8, 1, 8, new int[] {1, 2}, 1, new int[] {}, 2, 0f);
        TrainConfig cfg = TrainConfig.builder(tiny, "synthetic").steps(steps).batchSize(4).learningRate(1e-2).warmupSteps(1)
                .timesteps(timesteps).schedule("linear").checkpointEverySteps(0).checkpointEveryMinutes(0).logEverySteps(1)
                .device("cpu").seed(seed).build();
        byte[] px = new byte[8 * 64];
        int[] labels = new int[8];
        for (int i = 0; i < 8; i++) {
            labels[i] = i % 2;
            for (int p = 0; p < 64; p++) {
                px[i * 64 + p] = (byte) ((p < 32) == (labels[i] == 0) ? 220 : 20);
            }
        }
        var ds = new dev.diffq.engine.data.InMemoryImageDataset("synthetic", px, labels, List.of("a", "b"), 1, 8);
        Path out = tmp.resolve(dir);
        TrainResult r = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("none"))).train(cfg, ds, out, TrainListener.NONE);
        assertEquals(steps, r.step());
        return out;
    }

    private static final String[] lastOutput = new String[1];

    private static int sample(String mode, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code = EngineCli.run(Stream.concat(Stream.of(mode), Stream.of(args)).toArray(String[]::new),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        lastOutput[0] = bytes.toString(StandardCharsets.UTF_8);
        return code;
    }

    @Test
    void sampleWritesOnePngPerImageAndAGridAndIsRepeatable() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        for (Path out : List.of(a, b)) {
            assertEquals(0, sample("sample", "--checkpoint", run.toString(), "--out", out.toString(), "--classes", "0-1",
                    "--per-class", "2", "--steps", "4", "--seed", "5", "--gif"), lastOutput[0]);
        }
        for (String name : List.of("sample_c0_0.png", "sample_c0_1.png", "sample_c1_2.png", "sample_c1_3.png", "grid.png",
                "trajectory.gif")) {
            assertTrue(Files.exists(a.resolve(name)), name + " missing: " + lastOutput[0]);
            assertArrayEquals(Files.readAllBytes(a.resolve(name)), Files.readAllBytes(b.resolve(name)), name);
        }
        assertTrue(lastOutput[0].contains("wrote 4 image(s)"), lastOutput[0]);
    }

    @Test
    void anagramNeedsBothClassesAndUsageErrorsNameTheOption() {
        assertEquals(2, sample("anagram", "--checkpoint", run.toString(), "--out", tmp.resolve("x").toString(), "--class-a", "1"));
        assertTrue(lastOutput[0].contains("--class-a and --class-b are required"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--per-class", "zero"));
        assertTrue(lastOutput[0].contains("--per-class must be a whole number"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--colour", "red"));
        assertTrue(lastOutput[0].contains("unknown option --colour"), lastOutput[0]);
        // the profile's interval takes the outside and below weights; guidance at every step has no outside
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guidance-interval", "0,0",
                "--guidance-outside", "2"));
        assertTrue(lastOutput[0].contains("--guidance-outside needs --guidance-interval"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guidance-interval", "0,0",
                "--guidance-below", "0"));
        assertTrue(lastOutput[0].contains("--guidance-below needs --guidance-interval"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--profile", "slow"));
        assertTrue(lastOutput[0].contains("unknown sampling profile 'slow': one of fast, best"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guidance-interval", "0,5.4",
                "--guidance-below", "0"));
        assertTrue(lastOutput[0].contains("--guidance-below needs --guidance-interval with MIN above 0"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guidance-lowpass", "0",
                "--guidance-high", "2"));
        assertTrue(lastOutput[0].contains("--guidance-high needs --guidance-lowpass above 0"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guidance-lowpass", "-1"));
        assertTrue(lastOutput[0].contains("--guidance-lowpass"), lastOutput[0]);
        assertEquals(1, sample("sample", "--checkpoint", tmp.resolve("nowhere").toString(), "--out", "x"));
    }

    @Test
    void theCheckpointRecordsItsProfileAndSamplingUsesItUnlessToldOtherwise() throws Exception {
        Path step = dev.diffq.engine.train.Checkpoint.resolve(run);
        var recorded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(step.resolve("config.json").toFile())
                .path("sampling_profile");
        assertEquals("fast", recorded.path("name").asText(), recorded.toString());
        assertEquals("digits", recorded.path("data").asText(), "a grey dataset takes the digits' profiles");
        assertEquals("dpmpp-2m", recorded.path("sampler").asText());

        String[] common = {"--checkpoint", run.toString(), "--classes", "0-1", "--per-class", "2", "--seed", "5"};
        Path byProfile = tmp.resolve("by-profile"), spelledOut = tmp.resolve("spelled-out"), best = tmp.resolve("best");
        assertEquals(0, sample("sample", with(common, "--out", byProfile.toString())), lastOutput[0]);
        assertTrue(lastOutput[0].contains("profile: fast (dpmpp-2m, 20 steps, guidance 3 at 1 < sigma <= 4.9, "
                + "low-pass 1.5 px)\n"), lastOutput[0]);
        assertEquals(0, sample("sample", with(common, "--out", spelledOut.toString(), "--sampler", "dpmpp-2m",
                "--steps", "20", "--guidance", "3", "--guidance-interval", "1,4.9", "--guidance-lowpass", "1.5")),
                lastOutput[0]);
        assertTrue(lastOutput[0].contains(", with the options given"), lastOutput[0]);
        assertArrayEquals(Files.readAllBytes(byProfile.resolve("grid.png")), Files.readAllBytes(spelledOut.resolve("grid.png")),
                "no options = the recorded profile's values");

        // best: DDIM, its 50 steps bounded by the model's 20 timesteps
        assertEquals(0, sample("sample", with(common, "--out", best.toString(), "--profile", "best")), lastOutput[0]);
        assertTrue(lastOutput[0].contains("with DDIM"), lastOutput[0]);
        assertTrue(lastOutput[0].contains("profile: best (ddim, 50 steps"), lastOutput[0]);
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(byProfile.resolve("grid.png")),
                Files.readAllBytes(best.resolve("grid.png"))), "another profile, other images");
    }

    private static String[] with(String[] common, String... more) {
        return Stream.concat(Stream.of(common), Stream.of(more)).toArray(String[]::new);
    }

    @Test
    void frequencyGuidanceChangesTheImagesAndKeepsThemRepeatable() throws Exception {
        Path plain = tmp.resolve("plain"), split = tmp.resolve("split"), again = tmp.resolve("split-again");
        String[] common = {"--checkpoint", run.toString(), "--classes", "0-1", "--per-class", "2", "--steps", "4", "--seed", "5"};
        assertEquals(0, sample("sample", Stream.concat(Stream.of(common), Stream.of("--out", plain.toString()))
                .toArray(String[]::new)), lastOutput[0]);
        for (Path out : List.of(split, again)) {
            assertEquals(0, sample("sample", Stream.concat(Stream.of(common), Stream.of("--out", out.toString(),
                    "--guidance-lowpass", "1", "--guidance-high", "0.5")).toArray(String[]::new)), lastOutput[0]);
        }
        assertArrayEquals(Files.readAllBytes(split.resolve("grid.png")), Files.readAllBytes(again.resolve("grid.png")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(plain.resolve("grid.png")),
                Files.readAllBytes(split.resolve("grid.png"))), "the split changes the guided estimate");
    }

    @Test
    void aGuideCheckpointChangesTheImagesRepeatablyAndAnIncompatibleOneIsRefused() throws Exception {
        Path guide = train("guide", 1, 9, 20);
        Path plain = tmp.resolve("ag-plain"), guided = tmp.resolve("ag"), again = tmp.resolve("ag-again");
        String[] common = {"--checkpoint", run.toString(), "--classes", "0-1", "--per-class", "2", "--steps", "4", "--seed", "5"};
        assertEquals(0, sample("sample", Stream.concat(Stream.of(common), Stream.of("--out", plain.toString()))
                .toArray(String[]::new)), lastOutput[0]);
        for (Path out : List.of(guided, again)) {
            assertEquals(0, sample("sample", Stream.concat(Stream.of(common), Stream.of("--out", out.toString(),
                    "--guide-checkpoint", guide.toString())).toArray(String[]::new)), lastOutput[0]);
        }
        assertTrue(lastOutput[0].contains("autoguidance: weight 2.0 against"), lastOutput[0]);
        assertArrayEquals(Files.readAllBytes(guided.resolve("grid.png")), Files.readAllBytes(again.resolve("grid.png")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(plain.resolve("grid.png")),
                Files.readAllBytes(guided.resolve("grid.png"))), "the guide changes the estimate");

        Path otherSchedule = train("guide-30", 1, 9, 30);
        assertEquals(2, sample("sample", Stream.concat(Stream.of(common), Stream.of("--out", tmp.resolve("y").toString(),
                "--guide-checkpoint", otherSchedule.toString())).toArray(String[]::new)));
        assertTrue(lastOutput[0].contains("has noise schedule linear/30 (the model's is linear/20)"), lastOutput[0]);
        assertEquals(2, sample("sample", "--checkpoint", run.toString(), "--out", "x", "--guide-weight", "2"));
        assertTrue(lastOutput[0].contains("--guide-weight needs --guide-checkpoint"), lastOutput[0]);
    }

    @Test
    void anagramWritesImagesForBothClasses() {
        Path out = tmp.resolve("anagram");
        assertEquals(0, sample("anagram", "--checkpoint", run.toString(), "--out", out.toString(), "--class-a", "0",
                "--class-b", "1", "--per-class", "2", "--steps", "3"), lastOutput[0]);
        assertTrue(Files.exists(out.resolve("sample_c0-1_0.png")), lastOutput[0]);
        assertTrue(Files.exists(out.resolve("sample_c0-1_1.png")), lastOutput[0]);
    }
}
