package dev.diffq.contract;

import dev.diffq.proto.GenerateMode;
import dev.diffq.proto.HybridMode;
import dev.diffq.proto.Img2ImgMode;
import dev.diffq.proto.InpaintMode;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

import java.util.Locale;
import java.util.Optional;

/**
 * Fills every optional field of a {@link JobSpec} with its default, so that what travels on Kafka and what
 * is stored says exactly what will run, and a worker of a later version with other defaults runs the same job.
 * Normalizing is idempotent and never fails: values it cannot interpret (an unknown preset, a bad sampler
 * name) are left for {@link SpecValidator} to report. Choice strings are trimmed and lower-cased.
 * The seed is left absent when absent: the coordinator assigns one.
 */
public final class SpecDefaults {
    private SpecDefaults() {}

    // job
    public static final int MAX_ATTEMPTS = 3;

    // train
    public static final int STEPS = 2000;
    public static final int BATCH_SIZE = 32;
    public static final float LEARNING_RATE = 2e-3f;
    public static final int WARMUP_STEPS = 200;
    /** Warm-up of a run bounded only by time: on a CPU it may last only a few hundred steps. */
    public static final int TIME_BOUND_WARMUP_STEPS = 50;
    public static final String LR_DECAY = "cosine";
    public static final float GRAD_CLIP = 1.0f;
    // the recipe (lr decay, EMA, schedule, objective, Min-SNR) matches dev.diffq.engine.train.TrainConfig's
    // builder, the CLI's defaults (docs/BENCHMARKS.md, "Training recipe")
    public static final float EMA_DECAY = 0.995f;
    public static final int EMA_WARMUP_STEPS = 0;
    public static final float LABEL_DROPOUT = 0.1f;
    public static final int GRAD_ACCUM = 1;
    public static final String SCHEDULE = "cosine";
    public static final int TIMESTEPS = 1000;
    public static final String OBJECTIVE = "v";
    public static final String LOSS = "l2";
    public static final float MIN_SNR_GAMMA = 0f;
    public static final int CHECKPOINT_EVERY_STEPS = 500;
    public static final float CHECKPOINT_EVERY_MINUTES = 10f;
    public static final int SAMPLE_EVERY_STEPS = 0;
    public static final boolean RANDOM_FLIP = false;
    public static final int LOG_EVERY_STEPS = 10;

    // custom model
    public static final int BLOCKS_PER_LEVEL = 2;
    public static final int NUM_CLASSES = 10;

    // sample: what a field gets where the sampling profile (SamplingProfiles) leaves it unset
    public static final String SAMPLER = "ddim";
    public static final int SAMPLE_STEPS = 50;
    public static final float ETA = 0f;
    public static final String SPACING = "trailing";
    public static final float GUIDANCE = 3f;
    /** Guidance weight outside the guidance interval: the conditional estimate. */
    public static final float GUIDANCE_OUTSIDE = 1f;
    /** Frequency-split guidance: off; when on, the detail above the low-pass takes the conditional estimate's. */
    public static final float GUIDANCE_LOWPASS_SIGMA = 0f;
    public static final float GUIDANCE_HIGH = 1f;
    /** Autoguidance: off (no guide checkpoint); with one, weight 2. */
    public static final int GUIDE_CHECKPOINT_STEP = 0;
    public static final float GUIDE_WEIGHT = 2f;
    public static final int PER_CLASS = 8;
    public static final boolean USE_EMA = true;
    public static final boolean CLIP_X0 = true;
    public static final float DYNAMIC_THRESHOLD = 0f;
    public static final boolean TRAJECTORY_GIF = false;
    public static final int SHARD_SIZE = 64;
    public static final int JUMP_LENGTH = 10;
    public static final int RESAMPLE = 5;
    public static final float STRENGTH = 0.6f;
    public static final float BLUR_SIGMA = 2f;

    public static JobSpec normalize(JobSpec spec) {
        return normalize(spec, null);
    }

    /**
     * As {@link #normalize(JobSpec)}; a sampling spec takes its sampling profile's values for the model it samples,
     * whose training spec {@code lookup} knows (null, or an unknown job: the profile for grey 28 x 28 digits).
     */
    public static JobSpec normalize(JobSpec spec, Lookup lookup) {
        JobSpec.Builder b = spec.toBuilder();
        b.setName(spec.getName().trim());
        if (!b.hasMaxAttempts()) {
            b.setMaxAttempts(MAX_ATTEMPTS);
        }
        switch (spec.getKindCase()) {
            case TRAIN -> b.setTrain(normalize(spec.getTrain()));
            case SAMPLE -> b.setSample(normalize(spec.getSample(), lookup == null ? Optional.empty()
                    : lookup.checkpointTrainSpec(spec.getSample().getCheckpointJob().trim())));
            default -> { } // the validator reports the missing kind
        }
        return b.build();
    }

    public static TrainSpec normalize(TrainSpec train) {
        TrainSpec.Builder b = train.toBuilder();
        b.setDataset(train.getDataset().trim());
        ModelConfig model = normalize(train.getModel());
        b.setModel(model);
        if (!b.hasSteps() && !b.hasMaxMinutes()) {
            b.setSteps(STEPS);
        }
        if (!b.hasBatchSize()) b.setBatchSize(BATCH_SIZE);
        if (!b.hasLearningRate()) b.setLearningRate(LEARNING_RATE);
        if (!b.hasWarmupSteps()) {
            // a short run must not spend most of itself warming up
            b.setWarmupSteps(b.hasSteps() ? Math.max(0, Math.min(WARMUP_STEPS, b.getSteps() / 10)) : TIME_BOUND_WARMUP_STEPS);
        }
        // a decay runs to `steps`, or over max_minutes of training time when only that bounds the run
        b.setLrDecay(choice(b.hasLrDecay() ? b.getLrDecay() : null, LR_DECAY));
        if (!b.hasGradClip()) b.setGradClip(GRAD_CLIP);
        if (!b.hasEmaDecay()) b.setEmaDecay(EMA_DECAY);
        if (!b.hasEmaWarmupSteps()) b.setEmaWarmupSteps(EMA_WARMUP_STEPS);
        if (!b.hasLabelDropout()) {
            // dropping the label to the null class only means something for a class-conditional model
            b.setLabelDropout(model.hasNumClasses() && model.getNumClasses() == 0 ? 0f : LABEL_DROPOUT);
        }
        if (!b.hasGradAccum()) b.setGradAccum(GRAD_ACCUM);
        b.setSchedule(choice(b.hasSchedule() ? b.getSchedule() : null, SCHEDULE));
        if (!b.hasTimesteps()) b.setTimesteps(TIMESTEPS);
        b.setObjective(choice(b.hasObjective() ? b.getObjective() : null, OBJECTIVE));
        b.setLoss(choice(b.hasLoss() ? b.getLoss() : null, LOSS));
        if (!b.hasMinSnrGamma()) b.setMinSnrGamma(MIN_SNR_GAMMA);
        if (!b.hasCheckpointEverySteps()) b.setCheckpointEverySteps(CHECKPOINT_EVERY_STEPS);
        if (!b.hasCheckpointEveryMinutes()) b.setCheckpointEveryMinutes(CHECKPOINT_EVERY_MINUTES);
        if (!b.hasSampleEverySteps()) b.setSampleEverySteps(SAMPLE_EVERY_STEPS);
        if (!b.hasRandomFlip()) b.setRandomFlip(RANDOM_FLIP);
        if (!b.hasLogEverySteps()) b.setLogEverySteps(LOG_EVERY_STEPS);
        return b.build();
    }

    /**
     * Fills a model from its preset ({@link ModelPresets#DEFAULT} when none is named); fields set in the spec
     * win. A repeated field that is empty counts as unset and takes the preset's value. A {@code custom} model
     * gets blocks 2, no attention, 10 classes and no dropout where unset; its shape fields stay as given.
     * An unknown preset is left as it is.
     */
    public static ModelConfig normalize(ModelConfig model) {
        ModelConfig.Builder b = model.toBuilder();
        String presetName = model.getPreset().isBlank() ? ModelPresets.DEFAULT : model.getPreset().trim().toLowerCase(Locale.ROOT);
        b.setPreset(presetName);
        Optional<ModelConfig> preset = ModelPresets.get(presetName);
        if (preset.isPresent()) {
            ModelConfig p = preset.get();
            if (!b.hasImageSize()) b.setImageSize(p.getImageSize());
            if (!b.hasInChannels()) b.setInChannels(p.getInChannels());
            if (!b.hasBaseChannels()) b.setBaseChannels(p.getBaseChannels());
            if (b.getChannelMultsCount() == 0) b.addAllChannelMults(p.getChannelMultsList());
            if (!b.hasBlocksPerLevel()) b.setBlocksPerLevel(p.getBlocksPerLevel());
            if (b.getAttentionLevelsCount() == 0) b.addAllAttentionLevels(p.getAttentionLevelsList());
            if (!b.hasNumClasses()) b.setNumClasses(p.getNumClasses());
            if (!b.hasDropout()) b.setDropout(p.getDropout());
        } else if (presetName.equals(ModelPresets.CUSTOM)) {
            if (!b.hasBlocksPerLevel()) b.setBlocksPerLevel(BLOCKS_PER_LEVEL);
            if (!b.hasNumClasses()) b.setNumClasses(NUM_CLASSES);
            if (!b.hasDropout()) b.setDropout(0f);
        }
        return b.build();
    }

    public static SampleSpec normalize(SampleSpec sample) {
        return normalize(sample, Optional.empty());
    }

    /**
     * Fills a sampling spec: first from its sampling profile (named, else {@link SamplingProfiles#DEFAULT}) for the
     * kind of data {@code trained} was trained on, then every other field from the constants here. An unknown
     * profile name fills nothing and is left for {@link SpecValidator} to report.
     */
    public static SampleSpec normalize(SampleSpec sample, Optional<TrainSpec> trained) {
        SampleSpec.Builder b = sample.toBuilder();
        b.setCheckpointJob(sample.getCheckpointJob().trim());
        String profileName = choice(b.hasProfile() ? b.getProfile() : null, SamplingProfiles.DEFAULT);
        b.setProfile(profileName);
        TrainSpec train = trained.map(SpecDefaults::normalize).orElse(null);
        String kind = train == null ? SamplingProfiles.DIGITS
                : SamplingProfiles.dataKind(train.getDataset(), train.getModel().getInChannels());
        SamplingProfiles.get(profileName, kind).ifPresent(p -> p.fillUnset(b, train == null ? 0 : train.getTimesteps()));
        String sampler = choice(b.hasSampler() ? b.getSampler() : null, SAMPLER);
        b.setSampler(sampler);
        if (!b.hasSteps()) {
            // ancestral DDPM walks every timestep of the default schedule; the others are few-step samplers
            b.setSteps(sampler.equals("ddpm") ? TIMESTEPS : SAMPLE_STEPS);
        }
        if (!b.hasEta()) b.setEta(ETA);
        b.setSpacing(choice(b.hasSpacing() ? b.getSpacing() : null, SPACING));
        if (!b.hasGuidance()) b.setGuidance(GUIDANCE);
        if (!b.hasPerClass()) b.setPerClass(PER_CLASS);
        if (!b.hasUseEma()) b.setUseEma(USE_EMA);
        if (!b.hasClipX0()) b.setClipX0(CLIP_X0);
        if (!b.hasDynamicThreshold()) b.setDynamicThreshold(DYNAMIC_THRESHOLD);
        if (!b.hasTrajectoryGif()) b.setTrajectoryGif(TRAJECTORY_GIF);
        if (!b.hasShardSize()) b.setShardSize(SHARD_SIZE);
        if (!b.hasGuidanceSigmaMin()) b.setGuidanceSigmaMin(0);
        if (!b.hasGuidanceSigmaMax()) b.setGuidanceSigmaMax(0);
        if (!b.hasGuidanceOutside()) b.setGuidanceOutside(GUIDANCE_OUTSIDE);
        if (!b.hasGuidanceLowpassSigma()) b.setGuidanceLowpassSigma(GUIDANCE_LOWPASS_SIGMA);
        if (!b.hasGuidanceHigh()) b.setGuidanceHigh(GUIDANCE_HIGH);
        if (!b.hasGuideCheckpointStep()) b.setGuideCheckpointStep(GUIDE_CHECKPOINT_STEP);
        if (!b.hasGuideWeight()) b.setGuideWeight(b.getGuideCheckpointStep() > 0 ? GUIDE_WEIGHT : 1f);
        switch (sample.getModeCase()) {
            case MODE_NOT_SET -> b.setGenerate(GenerateMode.getDefaultInstance());
            case INPAINT -> {
                InpaintMode.Builder m = sample.getInpaint().toBuilder();
                m.setImage(m.getImage().trim()).setMask(m.getMask().trim());
                if (!m.hasJumpLength()) m.setJumpLength(JUMP_LENGTH);
                if (!m.hasResample()) m.setResample(RESAMPLE);
                b.setInpaint(m);
            }
            case IMG2IMG -> {
                Img2ImgMode.Builder m = sample.getImg2Img().toBuilder();
                m.setImage(m.getImage().trim());
                if (!m.hasStrength()) m.setStrength(STRENGTH);
                b.setImg2Img(m);
            }
            case HYBRID -> {
                HybridMode.Builder m = sample.getHybrid().toBuilder();
                if (!m.hasBlurSigma()) m.setBlurSigma(BLUR_SIGMA);
                b.setHybrid(m);
            }
            default -> { } // generate and anagram have no optional fields
        }
        return b.build();
    }

    private static String choice(String given, String fallback) {
        if (given == null || given.isBlank()) {
            return fallback;
        }
        return given.trim().toLowerCase(Locale.ROOT);
    }
}
