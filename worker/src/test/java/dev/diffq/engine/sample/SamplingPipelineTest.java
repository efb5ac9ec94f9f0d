package dev.diffq.engine.sample;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.CancelledException;
import dev.diffq.engine.image.Images;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplingPipelineTest {

    static final int SIZE = 8;
    static final Shape IMAGE = new Shape(1, SIZE, SIZE);
    static final NoiseSchedule SCHEDULE = NoiseSchedule.create("cosine", 100);
    static final int NULL_CLASS = 2;
    static final float[][] TARGETS = {pattern(1), pattern(2), pattern(3)};
    static NDManager manager;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static float[] pattern(int seed) {
        float[] p = new float[SIZE * SIZE];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.sin(seed * 1.3 + i * 0.21 * seed) * 0.85f;
        }
        return p;
    }

    static SamplingPipeline pipeline(Objective objective) {
        return new SamplingPipeline(AnalyticDenoisers.pointMass(SCHEDULE, objective, TARGETS, IMAGE),
                SCHEDULE, objective, NULL_CLASS, 1, SIZE);
    }

    static float[] pixels(Path png) {
        return Images.toChw(Images.read(png), 1);
    }

    static float[] quantised(float[] modelSpace) {
        float[] q = new float[modelSpace.length];
        for (int i = 0; i < q.length; i++) {
            q[i] = Images.fromByte(Images.toByte(modelSpace[i]));
        }
        return q;
    }

    @Test
    void generatesNamedPngsGridAndTrajectoryForEachClass() throws Exception {
        SampleRequest req = SampleRequest.builder().sampler(SamplerKind.DPMPP_2M).steps(8).classes(List.of(0, 1))
                .perClass(3).batchSize(4).seed(42).trajectoryGif(true).build();
        List<long[]> progress = new ArrayList<>();
        SampleResult r = pipeline(Objective.V).run(req, dir, manager, (s, t) -> progress.add(new long[] {s, t}), null);

        List<String> names = r.images().stream().map(i -> i.file().getFileName().toString()).toList();
        assertEquals(List.of("sample_c0_0.png", "sample_c0_1.png", "sample_c0_2.png",
                "sample_c1_3.png", "sample_c1_4.png", "sample_c1_5.png"), names);
        for (SampleResult.GeneratedImage img : r.images()) {
            int cls = Integer.parseInt(img.label());
            assertArrayEquals(quantised(TARGETS[cls]), pixels(img.file()), 1.5f / 127.5f, "image " + img.index() + " is its class's point");
        }
        BufferedImage grid = Images.read(r.grid());
        assertEquals(3 * SIZE + 4 * 2, grid.getWidth(), "one row per class, perClass columns");
        assertEquals(2 * SIZE + 3 * 2, grid.getHeight());
        assertEquals(16, r.modelEvaluations(), "8 steps x 2 batches, guidance 1 = one forward each");
        assertEquals(16, progress.size());
        assertArrayEquals(new long[] {16, 16}, progress.get(15));
        for (int i = 0; i < 16; i++) {
            assertEquals(i + 1, progress.get(i)[0]);
        }
        ImageReader reader = ImageIO.getImageReadersByFormatName("gif").next();
        try (ImageInputStream in = ImageIO.createImageInputStream(r.trajectoryGif().toFile())) {
            reader.setInput(in);
            assertEquals(1 + 7 + 1, reader.getNumImages(true), "initial noise, 7 intermediate steps, final images");
        } finally {
            reader.dispose();
        }
        assertTrue(r.files().containsAll(List.of(r.grid(), r.trajectoryGif())));
        assertEquals(8, r.files().size());
    }

    @Test
    void outputsDependOnlyOnSeedAndGlobalIndexNotOnBatchesOrShards() throws Exception {
        SampleRequest whole = SampleRequest.builder().sampler(SamplerKind.DDIM).eta(1.0).steps(6).perClass(5)
                .batchSize(5).seed(7).guidance(3).build();
        // a denoiser that is not a point mass, so the noise matters
        Denoiser gaussian = AnalyticDenoisers.gaussian(SCHEDULE, Objective.EPS, 0.1, 0.4);
        SamplingPipeline p = new SamplingPipeline(gaussian, SCHEDULE, Objective.EPS, 0, 1, SIZE);
        SampleResult a = p.run(whole, dir.resolve("a"), manager, null, null);
        SampleResult again = p.run(whole, dir.resolve("b"), manager, null, null);
        SampleResult shard = p.run(whole.toBuilder().firstImageIndex(3).imageCount(2).batchSize(1).build(),
                dir.resolve("c"), manager, null, null);
        assertEquals("sample_cu_0.png", a.images().get(0).file().getFileName().toString());
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(Files.readAllBytes(a.images().get(i).file()), Files.readAllBytes(again.images().get(i).file()));
        }
        assertEquals(List.of(3L, 4L), shard.images().stream().map(SampleResult.GeneratedImage::index).toList());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(Files.readAllBytes(a.images().get(3 + i).file()), Files.readAllBytes(shard.images().get(i).file()),
                    "image " + (3 + i) + " is the same alone in a shard of batch 1");
        }
        assertFalse(java.util.Arrays.equals(pixels(a.images().get(0).file()), pixels(a.images().get(1).file())));
        SampleResult otherSeed = p.run(whole.toBuilder().seed(8).build(), dir.resolve("d"), manager, null, null);
        assertFalse(java.util.Arrays.equals(pixels(a.images().get(0).file()), pixels(otherSeed.images().get(0).file())));
    }

    @Test
    void inpaintingKeepsTheKnownRegionExactlyAndFillsTheRest() {
        float[] input = pattern(9);
        float[] mask = new float[SIZE * SIZE];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = (i % SIZE) < SIZE / 2 ? 1f : -1f; // left half white = generate
        }
        Path image = dir.resolve("in.png"), maskFile = dir.resolve("mask.png");
        Images.writePng(Images.fromChw(input, 1, SIZE, SIZE), image);
        Images.writePng(Images.fromChw(mask, 1, SIZE, SIZE), maskFile);
        for (SamplerKind kind : SamplerKind.values()) {
            SampleRequest req = SampleRequest.builder().mode(SampleMode.INPAINT).sampler(kind).steps(12)
                    .image(image).mask(maskFile).jumpLength(3).resample(3).classes(List.of(1)).perClass(2).seed(3).build();
            SampleResult r = pipeline(Objective.EPS).run(req, dir.resolve(kind.wireName()), manager, null, null);
            int expectedEvals = ReverseProcess.evaluations(ReverseProcess.levelSchedule(12, 3, 3));
            assertEquals(expectedEvals, r.modelEvaluations(), "one batch of 2: one forward per down move");
            float[] in = pixels(image);
            for (SampleResult.GeneratedImage img : r.images()) {
                float[] out = pixels(img.file());
                for (int i = 0; i < out.length; i++) {
                    if (mask[i] < 0) {
                        assertEquals(in[i], out[i], 0f, kind + ": known pixel " + i + " unchanged");
                    } else {
                        assertEquals(TARGETS[1][i], out[i], 0.05f, kind + ": generated pixel " + i + " follows the model");
                    }
                }
            }
        }
    }

    @Test
    void repaintScheduleJumpsBackAndResamples() {
        assertArrayEquals(new int[] {6, 5, 4, 3, 2, 3, 4, 3, 2, 1, 0, 1, 2, 1, 0}, ReverseProcess.levelSchedule(6, 2, 2));
        assertEquals(10, ReverseProcess.evaluations(ReverseProcess.levelSchedule(6, 2, 2)));
        assertArrayEquals(new int[] {3, 2, 1, 0}, ReverseProcess.levelSchedule(3, 5, 4), "jump longer than the schedule: none");
        assertArrayEquals(new int[] {4, 3, 2, 1, 0}, ReverseProcess.levelSchedule(4, 1, 1));
    }

    @Test
    void imageToImageStartsFromTheNoisedInput() {
        float[] input = pattern(5);
        Path image = dir.resolve("in.png");
        Images.writePng(Images.fromChw(input, 1, SIZE, SIZE), image);
        SampleRequest zero = SampleRequest.builder().mode(SampleMode.IMG2IMG).image(image).strength(0).steps(10).perClass(2).build();
        SampleResult r0 = pipeline(Objective.EPS).run(zero, dir.resolve("s0"), manager, null, null);
        assertEquals(0, r0.modelEvaluations());
        assertArrayEquals(pixels(image), pixels(r0.images().get(0).file()), "strength 0 returns the input");

        // Gaussian prior around 0: a weak edit keeps the input's structure, a full one forgets it.
        Denoiser gaussian = AnalyticDenoisers.gaussian(SCHEDULE, Objective.EPS, 0.0, 0.3);
        SamplingPipeline p = new SamplingPipeline(gaussian, SCHEDULE, Objective.EPS, 0, 1, SIZE);
        SampleResult weak = p.run(zero.toBuilder().strength(0.3).build(), dir.resolve("s3"), manager, null, null);
        SampleResult full = p.run(zero.toBuilder().strength(1.0).build(), dir.resolve("s10"), manager, null, null);
        assertEquals(3, weak.modelEvaluations(), "30% of 10 steps, one batch");
        assertEquals(10, full.modelEvaluations());
        double weakCorr = correlation(input, pixels(weak.images().get(0).file()));
        double fullCorr = correlation(input, pixels(full.images().get(0).file()));
        // Starting at t = 29 (alphaBar ~ 0.79) the ODE keeps the standardised x_t, whose correlation with the
        // input is ~0.76 for this pattern; from t = 99 nothing of the input is left (|r| ~ 1/sqrt(64)).
        assertTrue(weakCorr > 0.65, "weak edit keeps the input: " + weakCorr);
        assertTrue(Math.abs(fullCorr) < 0.4, "full edit forgets it: " + fullCorr);
    }

    static double correlation(float[] a, float[] b) {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += a[i];
            mb += b[i];
        }
        ma /= a.length;
        mb /= b.length;
        double cov = 0, va = 0, vb = 0;
        for (int i = 0; i < a.length; i++) {
            cov += (a[i] - ma) * (b[i] - mb);
            va += (a[i] - ma) * (a[i] - ma);
            vb += (b[i] - mb) * (b[i] - mb);
        }
        return cov / Math.sqrt(va * vb);
    }

    @Test
    void anagramsAndHybridsAreNamedByBothClasses() {
        SampleRequest anagram = SampleRequest.builder().mode(SampleMode.ANAGRAM).classA(0).classB(1).perClass(2)
                .steps(5).guidance(2).build();
        SampleResult r = pipeline(Objective.EPS).run(anagram, dir.resolve("ana"), manager, null, null);
        assertEquals("sample_c0-1_0.png", r.images().get(0).file().getFileName().toString());
        assertEquals(1, r.extraFiles().size());
        assertTrue(Files.exists(r.extraFiles().get(0)) && r.extraFiles().get(0).getFileName().toString().equals("grid_rotated.png"));
        assertNull(r.trajectoryGif());
        assertEquals(5, r.modelEvaluations(), "four views per step, one forward");
        SampleResult h = pipeline(Objective.EPS).run(anagram.toBuilder().mode(SampleMode.HYBRID).blurSigma(1).build(),
                dir.resolve("hyb"), manager, null, null);
        assertEquals("sample_c0-1_1.png", h.images().get(1).file().getFileName().toString());
        assertTrue(h.extraFiles().isEmpty());
    }

    @Test
    void cancellationStopsARun() {
        SampleRequest req = SampleRequest.builder().steps(10).perClass(4).batchSize(2).build();
        AtomicLong seen = new AtomicLong();
        CancelledException e = assertThrows(CancelledException.class, () -> pipeline(Objective.EPS)
                .run(req, dir, manager, (s, t) -> seen.set(s), () -> seen.get() >= 13));
        assertEquals(13, seen.get(), "stopped in the second batch at its third step");
        assertTrue(e.getMessage().contains("cancelled"));
    }

    @Test
    void badRequestsNameTheFieldAndTheRule() {
        SamplingPipeline p = pipeline(Objective.EPS);
        assertMessage(p, SampleRequest.builder().classes(List.of(2)).build(), "classes must be a class in [0, 2)");
        assertMessage(p, SampleRequest.builder().steps(101).build(), "steps must be in [1, 100]");
        assertMessage(p, SampleRequest.builder().mode(SampleMode.INPAINT).image(dir.resolve("none.png")).build(), "image is not a readable file");
        assertMessage(p, SampleRequest.builder().perClass(0).build(), "perClass must be >= 1");
        assertMessage(p, SampleRequest.builder().perClass(3).firstImageIndex(3).build(), "firstImageIndex must be < the job's 3 images");
        assertMessage(p, SampleRequest.builder().dynamicThreshold(1.5).build(), "dynamicThreshold");
        assertMessage(p, SampleRequest.builder().mode(SampleMode.HYBRID).classA(0).classB(1).blurSigma(0).build(), "blurSigma must be > 0");
        SamplingPipeline unconditional = new SamplingPipeline(AnalyticDenoisers.gaussian(SCHEDULE, Objective.EPS, 0, 1),
                SCHEDULE, Objective.EPS, 0, 1, SIZE);
        assertMessage(unconditional, SampleRequest.builder().mode(SampleMode.ANAGRAM).build(), "classA needs a class-conditional model");
        assertEquals(SampleMode.IMG2IMG, SampleMode.parse("img2img"));
    }

    private void assertMessage(SamplingPipeline p, SampleRequest req, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.run(req, dir, manager, null, null));
        assertTrue(e.getMessage().contains(expected), "'" + e.getMessage() + "' should contain '" + expected + "'");
    }
}
