package dev.diffq.deploy.cli;

import dev.diffq.proto.AnagramMode;
import dev.diffq.proto.GenerateMode;
import dev.diffq.proto.HybridMode;
import dev.diffq.proto.Img2ImgMode;
import dev.diffq.proto.InpaintMode;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.Priority;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

class SpecArgsTest {

    static SpecArgs.Plan plan(String line) {
        List<String> tokens = Arrays.asList(line.trim().split("\\s+"));
        Commands.Command c = Commands.get(tokens.get(0)).orElseThrow();
        return SpecArgs.plan(CliArgs.parse(c, tokens.subList(1, tokens.size())));
    }

    @Test
    void trainOptionsMapOntoTheSpec() {
        SpecArgs.Plan p = plan("train --preset mnist-small --dataset mnist --steps 2000 --minutes 5 --batch 64 --lr 1e-3 "
                + "--name x --priority high --seed 1 --wait");
        JobSpec expected = JobSpec.newBuilder().setName("x").setPriority(Priority.PRIORITY_HIGH).setSeed(1)
                .setTrain(TrainSpec.newBuilder().setDataset("mnist").setModel(ModelConfig.newBuilder().setPreset("mnist-small"))
                        .setSteps(2000).setMaxMinutes(5).setBatchSize(64).setLearningRate(1e-3f))
                .build();
        assertEquals(expected, p.spec());
        assertTrue(p.waitForEnd());
        assertFalse(p.dryRun());
        assertTrue(p.out().isEmpty());
    }

    @Test
    void everyTrainingOptionHasItsField() {
        TrainSpec t = plan("train --dataset upload:flowers --warmup 10 --lr-decay constant --grad-clip 0.5 --ema-decay 0.99 "
                + "--ema-warmup 5 --label-dropout 0.2 --grad-accum 2 --schedule cosine --timesteps 500 --objective v --loss huber "
                + "--min-snr 5 --checkpoint-every 100 --checkpoint-minutes 2.5 --sample-every 50 --flip --log-every 1 "
                + "--preset custom --image-size 32 --channels 3 --base-channels 48 --mults 1,2,2,2 --blocks 1 --attn 1,2 "
                + "--num-classes 0 --dropout 0.1 --max-attempts 5").spec().getTrain();
        TrainSpec expected = TrainSpec.newBuilder().setDataset("upload:flowers").setWarmupSteps(10).setLrDecay("constant")
                .setGradClip(0.5f).setEmaDecay(0.99f).setEmaWarmupSteps(5).setLabelDropout(0.2f).setGradAccum(2)
                .setSchedule("cosine").setTimesteps(500).setObjective("v").setLoss("huber").setMinSnrGamma(5)
                .setCheckpointEverySteps(100).setCheckpointEveryMinutes(2.5f).setSampleEverySteps(50).setRandomFlip(true)
                .setLogEverySteps(1)
                .setModel(ModelConfig.newBuilder().setPreset("custom").setImageSize(32).setInChannels(3).setBaseChannels(48)
                        .addAllChannelMults(List.of(1, 2, 2, 2)).setBlocksPerLevel(1).addAllAttentionLevels(List.of(1, 2))
                        .setNumClasses(0).setDropout(0.1f))
                .build();
        assertEquals(expected, t);
    }

    @Test
    void onlyWhatIsGivenIsSetSoTheServerFillsDefaults() {
        JobSpec spec = plan("train").spec();
        assertEquals(JobSpec.newBuilder().setTrain(TrainSpec.newBuilder().setDataset("mnist")).build(), spec);
        assertFalse(spec.getTrain().hasModel(), "no model options, no model: the server picks the default preset");
        assertFalse(spec.hasSeed());
        assertFalse(spec.hasMaxAttempts());
    }

    @Test
    void sampleOptionsMapOntoTheSpec() {
        SpecArgs.Plan p = plan("sample job-1 --checkpoint-step 500 --profile best --sampler dpmpp-2m --steps 20 --eta 0.5 --spacing leading "
                + "--guidance 4 --classes 0-2,7 --per-class 3 --no-ema --no-clip --threshold 0.99 --gif --shard-size 16 "
                + "--guidance-interval 0.28,5.4 --guidance-outside 1.5 --guidance-below 0 --guidance-lowpass 1.5 --guidance-high 1.2 --guide-step 400 --guide-weight 2.5 --out dir "
                + "--key k1 --id my-job");
        SampleSpec expected = SampleSpec.newBuilder().setCheckpointJob("job-1").setCheckpointStep(500).setProfile("best")
                .setSampler("dpmpp-2m")
                .setSteps(20).setEta(0.5f).setSpacing("leading").setGuidance(4).addAllClasses(List.of(0, 1, 2, 7)).setPerClass(3)
                .setUseEma(false).setClipX0(false).setDynamicThreshold(0.99f).setTrajectoryGif(true).setShardSize(16)
                .setGuidanceSigmaMin(0.28f).setGuidanceSigmaMax(5.4f).setGuidanceOutside(1.5f).setGuidanceBelow(0)
                .setGuidanceLowpassSigma(1.5f).setGuidanceHigh(1.2f).setGuideCheckpointStep(400).setGuideWeight(2.5f)
                .setGenerate(GenerateMode.getDefaultInstance()).build();
        assertEquals(expected, p.spec().getSample());
        assertTrue(p.waitForEnd(), "--out implies --wait");
        assertEquals(Path.of("dir"), p.out().orElseThrow());
        assertEquals("k1", p.idempotencyKey().orElseThrow());
        assertEquals("my-job", p.jobId().orElseThrow());
    }

    @Test
    void withoutSamplingOptionsTheCoordinatorFillsThemFromTheProfile() {
        SampleSpec s = plan("sample job-1").spec().getSample();
        assertFalse(s.hasProfile() || s.hasSampler() || s.hasSteps() || s.hasGuidance() || s.hasGuidanceSigmaMax()
                || s.hasGuidanceLowpassSigma(), s.toString());
    }

    @Test
    void aGuidanceIntervalWithoutTwoSidesIsAUsageError() {
        CliException e = assertThrows(CliException.class, () -> plan("sample j --guidance-interval 5.4"));
        assertEquals(CliException.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("--guidance-interval"), e.getMessage());
        assertEquals(5.4f, plan("sample j --guidance-interval ,5.4").spec().getSample().getGuidanceSigmaMax());
    }

    @Test
    void modesMapOntoTheirMessages() {
        assertEquals(AnagramMode.newBuilder().setClassA(6).setClassB(9).build(),
                plan("anagram j --class-a 6 --class-b 9").spec().getSample().getAnagram());
        assertEquals(HybridMode.newBuilder().setClassA(1).setClassB(7).setBlurSigma(3).build(),
                plan("hybrid j --class-a 1 --class-b 7 --sigma 3").spec().getSample().getHybrid());
        assertEquals(Img2ImgMode.newBuilder().setImage("u-1").setStrength(0.3f).build(),
                plan("img2img j --image u-1 --strength 0.3").spec().getSample().getImg2Img());
        SpecArgs.Plan inpaint = plan("inpaint j --image u-1 --mask u-2 --jump 5 --resample 3");
        assertEquals(InpaintMode.newBuilder().setImage("u-1").setMask("u-2").setJumpLength(5).setResample(3).build(),
                inpaint.spec().getSample().getInpaint());
        assertEquals(List.of(), inpaint.uploads(), "ids are not uploads");
    }

    @Test
    void localImagesBecomePendingUploads(@TempDir Path dir) throws Exception {
        Path image = Files.write(dir.resolve("digit.png"), new byte[] {1});
        Path mask = Files.write(dir.resolve("mask.png"), new byte[] {2});
        SpecArgs.Plan p = plan("inpaint j --image " + image + " --mask " + mask);
        assertEquals(List.of(new SpecArgs.PendingUpload("sample.inpaint.image", image),
                new SpecArgs.PendingUpload("sample.inpaint.mask", mask)), p.uploads());
        JobSpec done = SpecArgs.withUpload(SpecArgs.withUpload(p.spec(), "sample.inpaint.image", "u-a"), "sample.inpaint.mask", "u-b");
        assertEquals("u-a", done.getSample().getInpaint().getImage());
        assertEquals("u-b", done.getSample().getInpaint().getMask());
    }

    @Test
    void classesAllIsResolvedLater() {
        SpecArgs.Plan p = plan("sample j --classes all");
        assertTrue(p.allClasses());
        assertEquals(0, p.spec().getSample().getClassesCount());
    }

    static Stream<Arguments> classLists() {
        return Stream.of(
                arguments("3", List.of(3)),
                arguments("0,1,2", List.of(0, 1, 2)),
                arguments("0-9", List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9)),
                arguments("7, 0-2", List.of(7, 0, 1, 2)),
                arguments("1,1,0-1", List.of(1, 0)));
    }

    @ParameterizedTest
    @MethodSource
    void classLists(String text, List<Integer> expected) {
        assertEquals(expected, SpecArgs.classes(text));
    }

    static Stream<Arguments> usageErrors() {
        return Stream.of(
                arguments("train --batchsize 8", "unknown option --batchsize for 'train' (see bin/diffq help train)"),
                arguments("train --batch", "--batch needs a value: --batch N"),
                arguments("train --batch many", "--batch: expected a whole number, got 'many'"),
                arguments("train --lr fast", "--lr: expected a number, got 'fast'"),
                arguments("train --lr NaN", "--lr: expected a number, got 'NaN'"),
                arguments("train --priority urgent", "--priority: one of normal, high, got 'urgent'"),
                arguments("train --seed x", "--seed: expected a whole number, got 'x'"),
                arguments("train --mults 1,x", "--mults: expected a whole number, got 'x'"),
                arguments("train --wait=yes", "--wait takes no value"),
                arguments("train extra", "unexpected argument 'extra': usage: bin/diffq train [options]"),
                arguments("sample", "missing JOB: usage: bin/diffq sample JOB [options]"),
                arguments("sample j --classes 3-1", "--classes: expected class numbers like 0,1,2 or 0-9 or all, got '3-1'"),
                arguments("sample j --classes a,b", "--classes: expected class numbers like 0,1,2 or 0-9 or all, got 'a,b'"),
                arguments("sample j --image u-1", "unknown option --image for 'sample' (see bin/diffq help sample)"),
                arguments("inpaint j --mask u-2", "--image is required: a PNG/JPEG file or an upload id (usage: bin/diffq inpaint JOB --image FILE --mask FILE [options])"),
                arguments("inpaint j --image missing.png --mask u-2", "--image: no such file: missing.png"),
                arguments("anagram j --class-a 1", "--class-b is required: usage: bin/diffq anagram JOB --class-a A --class-b B [options]"),
                arguments("fetch", "missing JOB: usage: bin/diffq fetch JOB [DIR]"));
    }

    @ParameterizedTest
    @MethodSource
    void usageErrors(String line, String message) {
        CliException e = assertThrows(CliException.class, () -> plan(line));
        assertEquals(message, e.getMessage());
        assertEquals(CliException.USAGE, e.exitCode());
    }

    @Test
    void optionsTakeInlineValuesAndNegativeNumbers() {
        HybridMode h = plan("hybrid j --class-a=1 --class-b -1").spec().getSample().getHybrid();
        assertEquals(1, h.getClassA());
        assertEquals(-1, h.getClassB(), "the validator, not the parser, rejects it");
    }
}
