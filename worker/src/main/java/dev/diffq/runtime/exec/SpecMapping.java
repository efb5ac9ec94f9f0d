package dev.diffq.runtime.exec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalDouble;

import dev.diffq.contract.ModelPresets;
import dev.diffq.contract.SpecValidator;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.sample.FrequencyGuidance;
import dev.diffq.engine.sample.GuidanceInterval;
import dev.diffq.engine.sample.SampleMode;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.SamplerKind;
import dev.diffq.engine.sample.TimestepSpacing;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

/** Turns normalized job specs (protobuf) into engine configurations: the runtime's only translation layer. */
public final class SpecMapping {
    private SpecMapping() {}

    public static UNetConfig model(ModelConfig m) {
        ModelConfig base = ModelPresets.get(m.getPreset()).orElse(ModelConfig.getDefaultInstance());
        int[] mults = (m.getChannelMultsCount() > 0 ? m.getChannelMultsList() : base.getChannelMultsList())
                .stream().mapToInt(Integer::intValue).toArray();
        int[] attn = (m.getAttentionLevelsCount() > 0 || !ModelPresets.get(m.getPreset()).isPresent()
                ? m.getAttentionLevelsList() : base.getAttentionLevelsList()).stream().mapToInt(Integer::intValue).toArray();
        return new UNetConfig(
                m.hasImageSize() ? m.getImageSize() : base.getImageSize(),
                m.hasInChannels() ? m.getInChannels() : base.getInChannels(),
                m.hasBaseChannels() ? m.getBaseChannels() : base.getBaseChannels(),
                mults,
                m.hasBlocksPerLevel() ? m.getBlocksPerLevel() : base.getBlocksPerLevel(),
                attn,
                m.hasNumClasses() ? m.getNumClasses() : base.getNumClasses(),
                m.hasDropout() ? m.getDropout() : base.getDropout());
    }

    /** @param dataset what the engine opens: "mnist", "fashion-mnist", "emoji" or a local folder for uploaded datasets */
    public static TrainConfig train(TrainSpec t, String dataset, long seed, String device) {
        return TrainConfig.builder(model(t.getModel()), dataset)
                .steps(t.getSteps())
                .maxMinutes(t.getMaxMinutes())
                .batchSize(t.getBatchSize())
                .learningRate(t.getLearningRate())
                .warmupSteps(t.getWarmupSteps())
                .lrDecay(t.getLrDecay())
                .gradClip(t.getGradClip())
                .emaDecay(t.getEmaDecay())
                .emaWarmupSteps(t.getEmaWarmupSteps())
                .labelDropout(t.getLabelDropout())
                .gradAccum(t.getGradAccum())
                .schedule(t.getSchedule())
                .timesteps(t.getTimesteps())
                .objective(t.getObjective())
                .loss(t.getLoss())
                .minSnrGamma(t.getMinSnrGamma())
                .seed(seed)
                .checkpointEverySteps(t.getCheckpointEverySteps())
                .checkpointEveryMinutes(t.getCheckpointEveryMinutes())
                .sampleEverySteps(t.getSampleEverySteps())
                .logEverySteps(t.getLogEverySteps())
                .randomFlip(t.getRandomFlip())
                .device(device)
                .build();
    }

    /** The images of shard {@code index} of {@code count}: [first, first + size). */
    public record ShardRange(long first, int size) {}

    public static ShardRange shard(SampleSpec s, int index, int count) {
        long total = SpecValidator.imagesRequested(s);
        long per = Math.max(1, s.getShardSize());
        if (count <= 1) {
            return new ShardRange(0, Math.toIntExact(total));
        }
        long first = Math.min(total, index * per);
        long end = index == count - 1 ? total : Math.min(total, first + per);
        return new ShardRange(first, Math.toIntExact(end - first));
    }

    /** @param image local file of the input image (inpaint, img2img), or null; same for {@code mask} */
    public static SampleRequest sample(SampleSpec s, long seed, ShardRange range, Path image, Path mask, int batchSize) {
        SampleRequest.Builder b = SampleRequest.builder()
                .sampler(SamplerKind.parse(s.getSampler()))
                .steps(s.getSteps())
                .eta(s.getEta())
                .spacing(TimestepSpacing.parse(s.getSpacing()))
                .guidance(s.getGuidance())
                .classes(s.getClassesList())
                .perClass(s.getPerClass())
                .seed(seed)
                .firstImageIndex(range.first())
                .imageCount(range.size())
                .batchSize(batchSize)
                .clipX0(s.getClipX0())
                .dynamicThreshold(s.getDynamicThreshold())
                .guidanceInterval(new GuidanceInterval(s.getGuidanceSigmaMin(), s.getGuidanceSigmaMax(),
                        s.hasGuidanceOutside() ? s.getGuidanceOutside() : 1,
                        s.hasGuidanceBelow() ? OptionalDouble.of(s.getGuidanceBelow()) : OptionalDouble.empty()))
                .frequencyGuidance(new FrequencyGuidance(s.getGuidanceLowpassSigma(),
                        s.hasGuidanceHigh() ? s.getGuidanceHigh() : 1))
                .guideWeight(s.getGuideCheckpointStep() > 0 ? s.getGuideWeight() : 1)
                .trajectoryGif(s.getTrajectoryGif());
        switch (s.getModeCase()) {
            case INPAINT -> b.mode(SampleMode.INPAINT).image(image).mask(mask)
                    .jumpLength(s.getInpaint().getJumpLength()).resample(s.getInpaint().getResample());
            case IMG2IMG -> b.mode(SampleMode.IMG2IMG).image(image).strength(s.getImg2Img().getStrength());
            case ANAGRAM -> b.mode(SampleMode.ANAGRAM).classA(s.getAnagram().getClassA()).classB(s.getAnagram().getClassB());
            case HYBRID -> b.mode(SampleMode.HYBRID).classA(s.getHybrid().getClassA()).classB(s.getHybrid().getClassB())
                    .blurSigma(s.getHybrid().getBlurSigma());
            default -> b.mode(SampleMode.GENERATE);
        }
        return b.build();
    }

    static String describe(UNetConfig c) {
        return c.imageSize() + "px C=" + c.baseChannels() + " mults=" + Arrays.toString(c.channelMults());
    }
}
