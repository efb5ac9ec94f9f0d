package dev.diffq.contract;

import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SpecDefaultsTest {

    private static JobSpec normalized(String json) throws Exception {
        return SpecDefaults.normalize(JobJson.parseSpec(json));
    }

    @Test
    void emptyTrainingSpecGetsEveryDefault() throws Exception {
        JobSpec spec = normalized("{\"train\":{\"dataset\":\"mnist\"}}");
        assertEquals(3, spec.getMaxAttempts());
        assertFalse(spec.hasSeed(), "the coordinator assigns the seed");
        TrainSpec t = spec.getTrain();
        assertEquals(2000, t.getSteps());
        assertFalse(t.hasMaxMinutes());
        assertEquals(32, t.getBatchSize());
        assertEquals(2e-3f, t.getLearningRate());
        assertEquals(200, t.getWarmupSteps());
        assertEquals("cosine", t.getLrDecay());
        assertEquals("cosine", SpecDefaults.normalize(TrainSpec.newBuilder().setDataset("mnist").setMaxMinutes(5).build())
                .getLrDecay(), "a run bounded only by time decays over its training time");
        assertEquals(1.0f, t.getGradClip());
        assertEquals(0.995f, t.getEmaDecay());
        assertEquals(0, t.getEmaWarmupSteps());
        assertEquals(0.1f, t.getLabelDropout());
        assertEquals(1, t.getGradAccum());
        assertEquals("cosine", t.getSchedule());
        assertEquals(1000, t.getTimesteps());
        assertEquals("v", t.getObjective());
        assertEquals("l2", t.getLoss());
        assertTrue(t.hasMinSnrGamma());
        assertEquals(0f, t.getMinSnrGamma());
        assertEquals(500, t.getCheckpointEverySteps());
        assertEquals(10f, t.getCheckpointEveryMinutes());
        assertTrue(t.hasSampleEverySteps());
        assertEquals(0, t.getSampleEverySteps());
        assertTrue(t.hasRandomFlip());
        assertFalse(t.getRandomFlip());
        assertEquals(10, t.getLogEverySteps());
        assertEquals(ModelPresets.get("mnist-small").orElseThrow(), t.getModel());
    }

    @Test
    void everyOptionalFieldIsSetAfterNormalizing() throws Exception {
        // a new optional field without a default here would show up as unset
        TrainSpec t = normalized("{\"train\":{\"dataset\":\"mnist\"}}").getTrain();
        for (var field : TrainSpec.getDescriptor().getFields()) {
            if (field.hasPresence() && !field.getName().equals("max_minutes")) {
                assertTrue(t.hasField(field), "train." + field.getName() + " has no default");
            }
        }
        for (var field : ModelConfig.getDescriptor().getFields()) {
            if (field.hasPresence()) {
                assertTrue(t.getModel().hasField(field), "train.model." + field.getName() + " has no default");
            }
        }
        SampleSpec s = normalized("{\"sample\":{\"checkpoint_job\":\"j\"}}").getSample();
        for (var field : SampleSpec.getDescriptor().getFields()) {
            if (field.hasPresence() && field.getContainingOneof() == null && !field.getName().equals("checkpoint_step")) {
                assertTrue(s.hasField(field), "sample." + field.getName() + " has no default");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mnist-small", "mnist-base", "rgb32", "rgb64"})
    void modelIsFilledFromItsPreset(String preset) throws Exception {
        ModelConfig m = normalized("{\"train\":{\"dataset\":\"mnist\",\"model\":{\"preset\":\"" + preset + "\"}}}").getTrain().getModel();
        ModelConfig expected = ModelPresets.get(preset).orElseThrow();
        assertEquals(expected, m);
        assertEquals(preset.startsWith("mnist") ? 28 : preset.equals("rgb32") ? 32 : 64, m.getImageSize());
        assertEquals(preset.startsWith("mnist") ? 1 : 3, m.getInChannels());
    }

    /** The profiles table of docs/API.md ("Sampling profiles"): one row per profile, matching {@link SamplingProfiles}. */
    @Test
    void profileTableMatchesTheApiDocument() throws Exception {
        Path api = Files.exists(Path.of("../docs/API.md")) ? Path.of("../docs/API.md") : Path.of("docs/API.md");
        // | `fast` | digits: `mnist`, other grey images | `dpmpp-2m`, 20 | 3 | 1, 4.9 | 1.5 |
        Pattern row = Pattern.compile("\\| `([a-z]+)` \\| ([^|]+) \\| `([a-z0-9-]+)`, (\\d+) \\| ([\\d.]+) \\| ([\\d.]+), ([\\d.]+) \\| ([\\d.]+) \\|");
        List<SamplingProfile> seen = new ArrayList<>();
        for (String line : Files.readAllLines(api)) {
            Matcher m = row.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            String data = m.group(2).contains("fashion") ? SamplingProfiles.FASHION
                    : m.group(2).startsWith("colour") ? SamplingProfiles.COLOUR : SamplingProfiles.DIGITS;
            seen.add(new SamplingProfile(m.group(1), data, m.group(3), Integer.parseInt(m.group(4)),
                    Float.parseFloat(m.group(5)), Float.parseFloat(m.group(6)), Float.parseFloat(m.group(7)),
                    Float.parseFloat(m.group(8))));
        }
        assertEquals(SamplingProfiles.all(), seen, "the table in " + api);
    }

    /** The presets table of docs/DESIGN.md ("UNet presets"): every preset's row matches {@link ModelPresets}. */
    @Test
    void presetTableMatchesUnetPresetsDocument() throws Exception {
        Path design = Files.exists(Path.of("../docs/DESIGN.md")) ? Path.of("../docs/DESIGN.md") : Path.of("docs/DESIGN.md");
        // | `mnist-small` | 28x28 | 1 | 32 | 1,2,2 | 2 | 2 | 10 | 1,624,577 | 0.275 |
        Pattern row = Pattern.compile("\\| `([a-z0-9-]+)` \\| (\\d+)x\\d+ \\| (\\d+) \\| (\\d+) \\| ([\\d,]+) \\| (\\d+) \\| ([\\d,]*) \\| (\\d+) \\|.*");
        List<String> seen = new ArrayList<>();
        for (String line : Files.readAllLines(design)) {
            Matcher m = row.matcher(line.trim());
            if (!m.matches()) {
                continue;
            }
            ModelConfig p = ModelPresets.get(m.group(1)).orElseThrow(() -> new AssertionError("unknown preset in " + design + ": " + line));
            assertEquals(Integer.parseInt(m.group(2)), p.getImageSize(), line);
            assertEquals(Integer.parseInt(m.group(3)), p.getInChannels(), line);
            assertEquals(Integer.parseInt(m.group(4)), p.getBaseChannels(), line);
            assertEquals(ints(m.group(5)), p.getChannelMultsList(), line);
            assertEquals(Integer.parseInt(m.group(6)), p.getBlocksPerLevel(), line);
            assertEquals(ints(m.group(7)), p.getAttentionLevelsList(), line);
            assertEquals(Integer.parseInt(m.group(8)), p.getNumClasses(), line);
            seen.add(m.group(1));
        }
        assertEquals(ModelPresets.NAMES, seen, "one row per preset in " + design);
        assertEquals("preset: \"rgb32\" image_size: 32 in_channels: 3 base_channels: 64 channel_mults: [1, 2, 2, 2] "
                        + "blocks_per_level: 2 attention_levels: 1 num_classes: 10 dropout: 0.0",
                shortText(ModelPresets.get("rgb32").orElseThrow()));
        ModelConfig small = ModelPresets.get("mnist-small").orElseThrow();
        assertEquals(32, small.getBaseChannels());
        assertEquals(List.of(1, 2, 2), small.getChannelMultsList());
        assertEquals(List.of(2), small.getAttentionLevelsList());
        ModelConfig rgb64 = ModelPresets.get("rgb64").orElseThrow();
        assertEquals(List.of(1, 2, 2, 4), rgb64.getChannelMultsList());
        assertEquals(List.of(2), rgb64.getAttentionLevelsList());
        assertEquals(64, ModelPresets.get("mnist-base").orElseThrow().getBaseChannels());
    }

    private static List<Integer> ints(String csv) {
        return csv.isEmpty() ? List.of() : Arrays.stream(csv.split(",")).map(Integer::valueOf).toList();
    }

    private static String shortText(ModelConfig m) {
        return com.google.protobuf.TextFormat.printer().emittingSingleLine(true).printToString(m)
                .replace("channel_mults: 1 channel_mults: 2 channel_mults: 2 channel_mults: 2", "channel_mults: [1, 2, 2, 2]").trim();
    }

    @Test
    void fieldsGivenWinOverThePreset() throws Exception {
        ModelConfig m = normalized("{\"train\":{\"dataset\":\"mnist\",\"model\":{\"preset\":\"mnist-small\",\"image_size\":32,"
                + "\"base_channels\":48,\"channel_mults\":[1,2],\"attention_levels\":[1],\"num_classes\":0,\"dropout\":0.1}}}").getTrain().getModel();
        assertEquals(32, m.getImageSize());
        assertEquals(48, m.getBaseChannels());
        assertEquals(List.of(1, 2), m.getChannelMultsList());
        assertEquals(List.of(1), m.getAttentionLevelsList());
        assertEquals(0, m.getNumClasses());
        assertEquals(0.1f, m.getDropout());
        assertEquals(1, m.getInChannels(), "unset fields still come from the preset");
        assertEquals(2, m.getBlocksPerLevel());
    }

    @Test
    void customModelKeepsItsShapeAndGetsNoAttention() throws Exception {
        ModelConfig m = normalized("{\"train\":{\"dataset\":\"mnist\",\"model\":{\"preset\":\"custom\",\"image_size\":16,"
                + "\"in_channels\":1,\"base_channels\":8,\"channel_mults\":[1,2]}}}").getTrain().getModel();
        assertEquals(List.of(), m.getAttentionLevelsList());
        assertEquals(2, m.getBlocksPerLevel());
        assertEquals(10, m.getNumClasses());
        assertEquals(16, m.getImageSize());
    }

    @Test
    void unknownPresetIsLeftForTheValidator() throws Exception {
        ModelConfig m = normalized("{\"train\":{\"model\":{\"preset\":\"Huge\"}}}").getTrain().getModel();
        assertEquals("huge", m.getPreset());
        assertFalse(m.hasImageSize());
    }

    @Test
    void timeLimitAloneLeavesStepsUnset() throws Exception {
        TrainSpec t = normalized("{\"train\":{\"dataset\":\"mnist\",\"max_minutes\":5}}").getTrain();
        assertFalse(t.hasSteps());
        assertEquals(5f, t.getMaxMinutes());
        assertEquals(50, t.getWarmupSteps(), "a time-bounded run may be only hundreds of steps on a CPU");
        assertEquals("cosine", t.getLrDecay(), "decays over the time limit");
    }

    @Test
    void warmupOfAShortRunIsATenthOfIt() throws Exception {
        assertEquals(10, normalized("{\"train\":{\"dataset\":\"mnist\",\"steps\":100}}").getTrain().getWarmupSteps());
        assertEquals(200, normalized("{\"train\":{\"dataset\":\"mnist\",\"steps\":50000}}").getTrain().getWarmupSteps());
        assertEquals(7, normalized("{\"train\":{\"dataset\":\"mnist\",\"steps\":100,\"warmup_steps\":7}}").getTrain().getWarmupSteps());
    }

    @Test
    void unconditionalModelGetsNoLabelDropout() throws Exception {
        assertEquals(0f, normalized("{\"train\":{\"dataset\":\"mnist\",\"model\":{\"num_classes\":0}}}").getTrain().getLabelDropout());
        assertEquals(0.3f, normalized("{\"train\":{\"dataset\":\"mnist\",\"label_dropout\":0.3}}").getTrain().getLabelDropout());
    }

    @Test
    void givenValuesAreKept() throws Exception {
        JobSpec spec = normalized("{\"name\":\" x \",\"seed\":\"7\",\"max_attempts\":1,\"train\":{\"dataset\":\" mnist \",\"steps\":10,"
                + "\"batch_size\":8,\"learning_rate\":0.5,\"lr_decay\":\"Exponential\",\"grad_clip\":0,\"ema_decay\":0.9,"
                + "\"ema_warmup_steps\":0,\"grad_accum\":4,\"schedule\":\" COSINE\",\"timesteps\":50,\"objective\":\"v\",\"loss\":\"l1\","
                + "\"min_snr_gamma\":5,\"checkpoint_every_steps\":0,\"checkpoint_every_minutes\":0,\"sample_every_steps\":5,"
                + "\"random_flip\":true,\"log_every_steps\":1}}");
        assertEquals("x", spec.getName());
        assertEquals(7, spec.getSeed());
        assertEquals(1, spec.getMaxAttempts());
        TrainSpec t = spec.getTrain();
        assertEquals("mnist", t.getDataset());
        assertEquals(10, t.getSteps());
        assertEquals(8, t.getBatchSize());
        assertEquals(0.5f, t.getLearningRate());
        assertEquals("exponential", t.getLrDecay());
        assertEquals(0f, t.getGradClip());
        assertEquals(0.9f, t.getEmaDecay());
        assertEquals(0, t.getEmaWarmupSteps());
        assertEquals(4, t.getGradAccum());
        assertEquals("cosine", t.getSchedule());
        assertEquals(50, t.getTimesteps());
        assertEquals("v", t.getObjective());
        assertEquals("l1", t.getLoss());
        assertEquals(5f, t.getMinSnrGamma());
        assertEquals(0, t.getCheckpointEverySteps());
        assertEquals(0f, t.getCheckpointEveryMinutes());
        assertEquals(5, t.getSampleEverySteps());
        assertTrue(t.getRandomFlip());
        assertEquals(1, t.getLogEverySteps());
    }

    @Test
    void emptySampleSpecGetsEveryDefaultAndGenerates() throws Exception {
        SampleSpec s = normalized("{\"sample\":{\"checkpoint_job\":\"j\"}}").getSample();
        assertEquals(SampleSpec.ModeCase.GENERATE, s.getModeCase());
        assertEquals("fast", s.getProfile(), "the default sampling profile");
        assertEquals("dpmpp-2m", s.getSampler());
        assertEquals(20, s.getSteps());
        assertEquals(1f, s.getGuidanceSigmaMin());
        assertEquals(4.9f, s.getGuidanceSigmaMax());
        assertEquals(1.5f, s.getGuidanceLowpassSigma());
        assertEquals(0f, s.getEta());
        assertEquals("trailing", s.getSpacing());
        assertEquals(3f, s.getGuidance());
        assertEquals(8, s.getPerClass());
        assertTrue(s.getUseEma());
        assertTrue(s.getClipX0());
        assertEquals(0f, s.getDynamicThreshold());
        assertFalse(s.getTrajectoryGif());
        assertEquals(64, s.getShardSize());
        assertFalse(s.hasCheckpointStep(), "latest checkpoint unless asked");
        assertEquals(0, s.getGuideCheckpointStep(), "no autoguidance unless asked");
        assertEquals(1f, s.getGuideWeight());
        assertEquals(2f, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"guide_checkpoint_step\":1000}}").getSample()
                .getGuideWeight(), "a guide gets weight 2");
        assertEquals(List.of(), s.getClassesList());
    }

    @Test
    void ddpmWalksEveryTimestepByDefault() throws Exception {
        assertEquals(1000, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"sampler\":\"DDPM\"}}").getSample().getSteps());
        assertEquals(20, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"sampler\":\"dpmpp-2m\"}}").getSample().getSteps(),
                "the profile's sampler: the profile's steps");
        assertEquals(50, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"sampler\":\"ddim\"}}").getSample().getSteps(),
                "another sampler: its own default");
        assertEquals(20, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"sampler\":\"ddpm\",\"steps\":20}}").getSample().getSteps());
    }

    @Test
    void theProfileFollowsTheSampledModelAndGivenFieldsWin() throws Exception {
        FakeLookup lookup = new FakeLookup();
        SampleSpec best = SpecDefaults.normalize(JobJson.parseSpec(
                "{\"sample\":{\"checkpoint_job\":\"" + FakeLookup.JOB + "\",\"profile\":\" Best\"}}"), lookup).getSample();
        assertEquals("best", best.getProfile());
        assertEquals("ddim", best.getSampler());
        assertEquals(50, best.getSteps());
        // a colour model gets the colour profile, its steps bounded by the model's 30 timesteps
        SampleSpec colour = SpecDefaults.normalize(JobJson.parseSpec(
                "{\"sample\":{\"checkpoint_job\":\"" + FakeLookup.COLOUR + "\",\"profile\":\"best\"}}"), lookup).getSample();
        SamplingProfile colourBest = SamplingProfiles.get("best", SamplingProfiles.COLOUR).orElseThrow();
        assertEquals(colourBest.sampler(), colour.getSampler());
        assertEquals(Math.min(30, colourBest.steps()), colour.getSteps());
        assertEquals(colourBest.guidanceSigmaMax(), colour.getGuidanceSigmaMax());
        // every field given wins; an interval given in part is not completed from the profile
        SampleSpec given = SpecDefaults.normalize(JobJson.parseSpec("{\"sample\":{\"checkpoint_job\":\"" + FakeLookup.JOB
                + "\",\"sampler\":\"ddim\",\"steps\":7,\"guidance\":2,\"guidance_sigma_max\":3,"
                + "\"guidance_lowpass_sigma\":0}}"), lookup).getSample();
        assertEquals("fast", given.getProfile());
        assertEquals("ddim", given.getSampler());
        assertEquals(7, given.getSteps());
        assertEquals(2f, given.getGuidance());
        assertEquals(0f, given.getGuidanceSigmaMin());
        assertEquals(3f, given.getGuidanceSigmaMax());
        assertEquals(0f, given.getGuidanceLowpassSigma());
        // an unknown profile fills nothing from a profile and is the validator's to report
        JobSpec unknown = SpecDefaults.normalize(JobJson.parseSpec(
                "{\"sample\":{\"checkpoint_job\":\"" + FakeLookup.JOB + "\",\"profile\":\"slow\"}}"), lookup);
        assertEquals(SpecDefaults.SAMPLER, unknown.getSample().getSampler());
        assertTrue(SpecValidator.validate(unknown, Limits.defaults(), lookup).stream().anyMatch(v ->
                v.field().equals("sample.profile") && v.rule().equals("unknown sampling profile 'slow': one of fast, best")),
                SpecValidator.validate(unknown, Limits.defaults(), lookup).toString());
    }

    @Test
    void dataKindsGoByDatasetThenChannels() {
        assertEquals(SamplingProfiles.DIGITS, SamplingProfiles.dataKind("MNIST", 1));
        assertEquals(SamplingProfiles.FASHION, SamplingProfiles.dataKind("fashion-mnist", 1));
        assertEquals(SamplingProfiles.COLOUR, SamplingProfiles.dataKind("emoji", 3));
        assertEquals(SamplingProfiles.COLOUR, SamplingProfiles.dataKind("upload:flowers", 3));
        assertEquals(SamplingProfiles.DIGITS, SamplingProfiles.dataKind("/data/letters", 1));
        for (String kind : List.of(SamplingProfiles.DIGITS, SamplingProfiles.FASHION, SamplingProfiles.COLOUR)) {
            for (String name : SamplingProfiles.NAMES) {
                assertTrue(SamplingProfiles.get(name, kind).isPresent(), name + " for " + kind);
            }
        }
    }

    @Test
    void modeDefaults() throws Exception {
        SampleSpec inpaint = normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"inpaint\":{\"image\":\" u-1\",\"mask\":\"u-2 \"}}}").getSample();
        assertEquals(10, inpaint.getInpaint().getJumpLength());
        assertEquals(5, inpaint.getInpaint().getResample());
        assertEquals("u-1", inpaint.getInpaint().getImage());
        assertEquals("u-2", inpaint.getInpaint().getMask());
        assertEquals(0.6f, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"img2img\":{\"image\":\"u\"}}}").getSample().getImg2Img().getStrength());
        assertEquals(0.25f, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"img2img\":{\"image\":\"u\",\"strength\":0.25}}}").getSample().getImg2Img().getStrength());
        assertEquals(2f, normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"hybrid\":{\"class_a\":1,\"class_b\":2}}}").getSample().getHybrid().getBlurSigma());
        SampleSpec anagram = normalized("{\"sample\":{\"checkpoint_job\":\"j\",\"anagram\":{\"class_a\":6,\"class_b\":9}}}").getSample();
        assertEquals(SampleSpec.ModeCase.ANAGRAM, anagram.getModeCase());
        assertEquals(9, anagram.getAnagram().getClassB());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{}",
            "{\"train\":{\"dataset\":\"mnist\"}}",
            "{\"train\":{\"dataset\":\"mnist\",\"max_minutes\":3,\"model\":{\"preset\":\"custom\"}}}",
            "{\"train\":{\"model\":{\"preset\":\"nope\"}}}",
            "{\"seed\":\"3\",\"sample\":{\"checkpoint_job\":\"j\",\"sampler\":\"ddpm\",\"classes\":[1,2]}}",
            "{\"sample\":{\"checkpoint_job\":\"j\",\"inpaint\":{}}}",
            "{\"sample\":{\"checkpoint_job\":\"j\",\"hybrid\":{}}}"})
    void normalizingTwiceChangesNothing(String json) throws Exception {
        JobSpec once = normalized(json);
        assertEquals(once, SpecDefaults.normalize(once));
    }
}
