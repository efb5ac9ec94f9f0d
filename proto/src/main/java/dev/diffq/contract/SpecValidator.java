package dev.diffq.contract;

import dev.diffq.proto.AnagramMode;
import dev.diffq.proto.HybridMode;
import dev.diffq.proto.Img2ImgMode;
import dev.diffq.proto.InpaintMode;
import dev.diffq.proto.JobSpec;
import dev.diffq.proto.ModelConfig;
import dev.diffq.proto.Priority;
import dev.diffq.proto.SampleSpec;
import dev.diffq.proto.TrainSpec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a job spec against every rule of the contract and reports all broken rules at once.
 * Give it a spec that went through {@link SpecDefaults#normalize}; fields that are still absent are either
 * reported as required or skipped. With a {@link Lookup} it also checks what the spec refers to: the
 * checkpoint to sample from, uploaded images and datasets, and (where the lookup knows the checkpoint's
 * training spec) that classes, steps and image sizes fit the model that will be loaded.
 */
public final class SpecValidator {
    private SpecValidator() {}

    /** A built-in dataset's images, so a model that cannot take them is refused before the job is queued. */
    public record BuiltInDataset(String name, int imageSize, int channels, String presets) {
        String images() {
            return imageSize + "x" + imageSize + (channels == 1 ? " grey" : " RGB") + " images";
        }
    }

    /** The datasets workers ship; emoji is the Noto emoji set (images Apache License 2.0, Google) in ten categories. */
    public static final List<BuiltInDataset> BUILTIN_DATASETS = List.of(
            new BuiltInDataset("mnist", 28, 1, "the mnist-small or mnist-base preset"),
            new BuiltInDataset("fashion-mnist", 28, 1, "the mnist-small or mnist-base preset"),
            new BuiltInDataset("emoji", 32, 3, "the rgb32 preset"));
    public static final List<String> DATASETS = BUILTIN_DATASETS.stream().map(BuiltInDataset::name).toList();
    public static final String UPLOAD_PREFIX = "upload:";
    /** Names of uploaded datasets (the {@code <name>} of {@code upload:<name>} and {@code POST /v1/datasets/<name>}). */
    public static final Pattern DATASET_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    public static final List<String> LR_DECAYS = List.of("constant", "cosine", "exponential");
    public static final List<String> SCHEDULES = List.of("linear", "cosine", "sigmoid");
    public static final List<String> OBJECTIVES = List.of("eps", "v");
    public static final List<String> LOSSES = List.of("l2", "l1", "huber");
    public static final List<String> SAMPLERS = List.of("ddpm", "ddim", "dpmpp-2m");
    public static final List<String> SPACINGS = List.of("leading", "trailing");

    /** Classes of the built-in datasets. */
    public static final int BUILTIN_DATASET_CLASSES = 10;
    public static final int MAX_CLASSES = 1000;
    public static final int MAX_LEVELS = 6;
    public static final int MAX_CHANNEL_MULT = 16;
    public static final int MAX_BASE_CHANNELS = 512;
    public static final int MAX_BLOCKS_PER_LEVEL = 8;
    /** GroupNorm uses 8 groups, so every level's channel count must be a multiple of 8. */
    public static final int GROUPS = 8;
    public static final int MAX_GRAD_ACCUM = 64;
    public static final float MAX_GUIDANCE = 50f;
    public static final float MAX_GRAD_CLIP = 1000f;
    /** Largest noise level a guidance interval may name (a cosine schedule of 1,000 steps reaches ~640). */
    public static final float MAX_SIGMA = 100_000f;
    public static final float MAX_MIN_SNR_GAMMA = 100f;
    public static final int MAX_RESAMPLE = 50;
    public static final float MAX_BLUR_SIGMA = 20f;

    /** Checks the spec and everything it refers to. */
    public static List<Violation> validate(JobSpec spec, Limits limits, Lookup lookup) {
        Checker c = new Checker(limits, lookup);
        c.job(spec);
        return List.copyOf(c.violations);
    }

    /** Checks the spec alone, without looking up checkpoints, uploads or datasets (a worker re-checking a request). */
    public static List<Violation> validate(JobSpec spec, Limits limits) {
        return validate(spec, limits, null);
    }

    private static String datasetsForMessage() {
        return String.join(", ", DATASETS) + ", " + UPLOAD_PREFIX + "<name>";
    }

    /** Images a sampling job produces: {@code per_class} for each class (or in total when no classes are given). */
    public static long imagesRequested(SampleSpec sample) {
        long perClass = sample.hasPerClass() ? sample.getPerClass() : SpecDefaults.PER_CLASS;
        boolean usesClassList = sample.getModeCase() != SampleSpec.ModeCase.ANAGRAM && sample.getModeCase() != SampleSpec.ModeCase.HYBRID;
        return perClass * (usesClassList ? Math.max(1, sample.getClassesCount()) : 1);
    }

    private static final class Checker {
        final Limits limits;
        final Lookup lookup; // null: references are not checked
        final List<Violation> violations = new ArrayList<>();

        Checker(Limits limits, Lookup lookup) {
            this.limits = limits;
            this.lookup = lookup;
        }

        void add(String field, String rule) {
            violations.add(new Violation(field, rule));
        }

        // ---------- job ----------

        void job(JobSpec spec) {
            if (spec.getName().length() > limits.maxNameLength()) {
                add("name", "must be at most " + limits.maxNameLength() + " characters");
            }
            if (spec.getName().chars().anyMatch(Character::isISOControl)) {
                add("name", "must not contain control characters");
            }
            if (spec.getPriority() == Priority.UNRECOGNIZED) {
                add("priority", "unknown priority: one of PRIORITY_NORMAL, PRIORITY_HIGH");
            }
            if (spec.hasSeed() && spec.getSeed() < 0) {
                add("seed", "must be at least 0");
            }
            if (spec.hasMaxAttempts()) {
                intRange("max_attempts", spec.getMaxAttempts(), 1, limits.maxAttempts());
            }
            switch (spec.getKindCase()) {
                case TRAIN -> train(spec.getTrain());
                case SAMPLE -> sample(spec.getSample());
                default -> add("kind", "is required: give either train or sample");
            }
        }

        // ---------- train ----------

        void train(TrainSpec t) {
            ModelConfig model = t.getModel();
            model("train.model", model);
            dataset(t, model);

            if (!t.hasSteps() && !t.hasMaxMinutes()) {
                add("train.steps", "is required (or max_minutes)");
            }
            if (t.hasSteps()) intRange("train.steps", t.getSteps(), 1, limits.maxSteps());
            if (t.hasMaxMinutes()) floatRange("train.max_minutes", t.getMaxMinutes(), 0, false, limits.maxMinutes(), true);
            if (t.hasBatchSize()) intRange("train.batch_size", t.getBatchSize(), 1, limits.maxBatchSize());
            if (t.hasLearningRate()) floatRange("train.learning_rate", t.getLearningRate(), 0, false, 1, true);
            if (t.hasWarmupSteps()) {
                if (intRange("train.warmup_steps", t.getWarmupSteps(), 0, limits.maxSteps())
                        && t.hasSteps() && t.getSteps() >= 1 && t.getWarmupSteps() > t.getSteps()) {
                    add("train.warmup_steps", "must be at most steps (" + t.getSteps() + ")");
                }
            }
            if (t.hasLrDecay()) oneOf("train.lr_decay", "lr_decay", t.getLrDecay(), LR_DECAYS);
            if (t.hasGradClip()) floatRange("train.grad_clip", t.getGradClip(), 0, true, MAX_GRAD_CLIP, true);
            if (t.hasEmaDecay()) floatRange("train.ema_decay", t.getEmaDecay(), 0, true, 1, false);
            if (t.hasEmaWarmupSteps()) intRange("train.ema_warmup_steps", t.getEmaWarmupSteps(), 0, limits.maxSteps());
            if (t.hasLabelDropout()) floatRange("train.label_dropout", t.getLabelDropout(), 0, true, 1, false);
            if (t.hasGradAccum()) intRange("train.grad_accum", t.getGradAccum(), 1, MAX_GRAD_ACCUM);
            if (t.hasSchedule()) oneOf("train.schedule", "schedule", t.getSchedule(), SCHEDULES);
            if (t.hasTimesteps()) intRange("train.timesteps", t.getTimesteps(), 10, limits.maxTimesteps());
            if (t.hasObjective()) oneOf("train.objective", "objective", t.getObjective(), OBJECTIVES);
            if (t.hasLoss()) oneOf("train.loss", "loss", t.getLoss(), LOSSES);
            if (t.hasMinSnrGamma()) floatRange("train.min_snr_gamma", t.getMinSnrGamma(), 0, true, MAX_MIN_SNR_GAMMA, true);
            if (t.hasCheckpointEverySteps()) intRange("train.checkpoint_every_steps", t.getCheckpointEverySteps(), 0, limits.maxSteps());
            if (t.hasCheckpointEveryMinutes()) {
                floatRange("train.checkpoint_every_minutes", t.getCheckpointEveryMinutes(), 0, true, limits.maxMinutes(), true);
            }
            if (t.hasSampleEverySteps()) intRange("train.sample_every_steps", t.getSampleEverySteps(), 0, limits.maxSteps());
            if (t.hasLogEverySteps()) intRange("train.log_every_steps", t.getLogEverySteps(), 1, limits.maxSteps());
        }

        void model(String f, ModelConfig m) {
            String preset = m.getPreset();
            boolean custom = preset.equals(ModelPresets.CUSTOM);
            if (preset.isBlank()) {
                add(f + ".preset", "is required: one of " + ModelPresets.namesForMessage());
            } else if (!custom && ModelPresets.get(preset).isEmpty()) {
                add(f + ".preset", "unknown preset '" + preset + "': one of " + ModelPresets.namesForMessage());
            }
            if (custom) {
                if (!m.hasImageSize()) add(f + ".image_size", "is required for a custom model");
                if (!m.hasInChannels()) add(f + ".in_channels", "is required for a custom model");
                if (!m.hasBaseChannels()) add(f + ".base_channels", "is required for a custom model");
                if (m.getChannelMultsCount() == 0) add(f + ".channel_mults", "is required for a custom model");
            }
            int levels = m.getChannelMultsCount();
            boolean levelsOk = levels >= 1 && levels <= MAX_LEVELS;
            if (levels > MAX_LEVELS) {
                add(f + ".channel_mults", "must have between 1 and " + MAX_LEVELS + " entries");
            }
            for (int i = 0; i < levels; i++) {
                intRange(f + ".channel_mults[" + i + "]", m.getChannelMults(i), 1, MAX_CHANNEL_MULT);
            }
            if (m.hasImageSize() && intRange(f + ".image_size", m.getImageSize(), 8, limits.maxImageSize()) && levelsOk) {
                int factor = 1 << (levels - 1);
                if (m.getImageSize() % factor != 0) {
                    add(f + ".image_size", "must be divisible by " + factor + " (2^(levels-1) for " + levels + " channel_mults)");
                }
            }
            if (m.hasInChannels() && m.getInChannels() != 1 && m.getInChannels() != 3) {
                add(f + ".in_channels", "must be 1 or 3");
            }
            if (m.hasBaseChannels() && intRange(f + ".base_channels", m.getBaseChannels(), GROUPS, MAX_BASE_CHANNELS)
                    && m.getBaseChannels() % GROUPS != 0) {
                add(f + ".base_channels", "must be a multiple of " + GROUPS + " (GroupNorm with " + GROUPS + " groups)");
            }
            if (m.hasBlocksPerLevel()) intRange(f + ".blocks_per_level", m.getBlocksPerLevel(), 1, MAX_BLOCKS_PER_LEVEL);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < m.getAttentionLevelsCount(); i++) {
                int level = m.getAttentionLevels(i);
                String field = f + ".attention_levels[" + i + "]";
                if (levelsOk && (level < 0 || level >= levels)) {
                    add(field, "must be between 0 and " + (levels - 1) + " (a level of channel_mults)");
                } else if (!seen.add(level)) {
                    add(field, "must not repeat level " + level);
                }
            }
            if (m.hasNumClasses()) intRange(f + ".num_classes", m.getNumClasses(), 0, MAX_CLASSES);
            if (m.hasDropout()) floatRange(f + ".dropout", m.getDropout(), 0, true, 1, false);
        }

        void dataset(TrainSpec t, ModelConfig model) {
            String dataset = t.getDataset();
            Integer classes = null;
            if (dataset.isBlank()) {
                add("train.dataset", "is required: one of " + datasetsForMessage());
                return;
            }
            if (DATASETS.contains(dataset)) {
                classes = BUILTIN_DATASET_CLASSES;
                fitsBuiltIn(BUILTIN_DATASETS.get(DATASETS.indexOf(dataset)), model);
            } else if (dataset.startsWith(UPLOAD_PREFIX)) {
                String name = dataset.substring(UPLOAD_PREFIX.length());
                if (!DATASET_NAME.matcher(name).matches()) {
                    add("train.dataset", "upload name '" + name + "' must be 1 to 63 of a-z, 0-9, '.', '_', '-' starting with a letter or digit");
                    return;
                }
                if (lookup != null) {
                    Optional<Integer> uploaded = lookup.datasetClasses(name);
                    if (uploaded.isEmpty()) {
                        add("train.dataset", "no uploaded dataset '" + name + "': upload it first (POST /v1/datasets/" + name + ")");
                        return;
                    }
                    classes = uploaded.get();
                }
            } else {
                add("train.dataset", "unknown dataset '" + dataset + "': one of " + datasetsForMessage());
                return;
            }
            if (classes != null && model.hasNumClasses() && model.getNumClasses() > 0 && model.getNumClasses() < classes) {
                add("train.model.num_classes", "must be 0 (unconditional) or at least " + classes
                        + ", the number of classes of dataset '" + dataset + "'");
            }
        }

        /** The image size and channels a built-in dataset needs; only for an otherwise valid model, whose fit is moot. */
        void fitsBuiltIn(BuiltInDataset d, ModelConfig model) {
            if (violations.stream().anyMatch(v -> v.field().startsWith("train.model"))) {
                return;
            }
            if (model.hasImageSize() && model.getImageSize() != d.imageSize()) {
                add("train.model.image_size", "must be " + d.imageSize() + " for dataset '" + d.name() + "' ("
                        + d.images() + "): use " + d.presets());
            }
            if (model.hasInChannels() && model.getInChannels() != d.channels()) {
                add("train.model.in_channels", "must be " + d.channels() + " for dataset '" + d.name() + "' ("
                        + d.images() + "): use " + d.presets());
            }
        }

        // ---------- sample ----------

        void sample(SampleSpec s) {
            TrainSpec trained = null; // the checkpoint's training spec, where known
            if (s.getCheckpointJob().isBlank()) {
                add("sample.checkpoint_job", "is required: the id of a training job with a checkpoint");
            } else if (lookup != null) {
                if (!lookup.jobHasCheckpoint(s.getCheckpointJob())) {
                    add("sample.checkpoint_job", "job '" + s.getCheckpointJob() + "' is unknown or has no checkpoint yet");
                } else {
                    trained = lookup.checkpointTrainSpec(s.getCheckpointJob()).map(SpecDefaults::normalize).orElse(null);
                }
            }
            ModelConfig model = trained == null ? null : trained.getModel();
            if (s.hasCheckpointStep()) intRange("sample.checkpoint_step", s.getCheckpointStep(), 1, limits.maxSteps());

            if (s.hasProfile()) oneOf("sample.profile", "sampling profile", s.getProfile(), SamplingProfiles.NAMES);
            if (s.hasSampler()) oneOf("sample.sampler", "sampler", s.getSampler(), SAMPLERS);
            if (s.hasSteps()) {
                if (trained != null) {
                    intRange("sample.steps", s.getSteps(), 1, trained.getTimesteps(), " (the checkpoint's timesteps)");
                } else {
                    intRange("sample.steps", s.getSteps(), 1, limits.maxTimesteps());
                }
            }
            if (s.hasEta()) floatRange("sample.eta", s.getEta(), 0, true, 1, true);
            if (s.hasSpacing()) oneOf("sample.spacing", "spacing", s.getSpacing(), SPACINGS);
            if (s.hasGuidance()) floatRange("sample.guidance", s.getGuidance(), 0, true, MAX_GUIDANCE, true);
            boolean anagramOrHybrid = s.getModeCase() == SampleSpec.ModeCase.ANAGRAM || s.getModeCase() == SampleSpec.ModeCase.HYBRID;
            if (anagramOrHybrid && s.getClassesCount() > 0) {
                add("sample.classes", "must be empty in " + modeName(s) + " mode: give class_a and class_b");
            } else if (model != null && model.getNumClasses() == 0 && s.getClassesCount() > 0) {
                add("sample.classes", "must be empty: the checkpoint's model is unconditional");
            } else {
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < s.getClassesCount(); i++) {
                    int label = s.getClasses(i);
                    if (classLabel("sample.classes[" + i + "]", label, model) && !seen.add(label)) {
                        add("sample.classes[" + i + "]", "must not repeat class " + label);
                    }
                }
            }
            if (s.hasPerClass()) {
                if (s.getPerClass() < 1) {
                    add("sample.per_class", "must be at least 1");
                } else if (imagesRequested(s) > limits.maxImagesPerJob()) {
                    violations.add(new Violation("sample.per_class", "asks for " + imagesRequested(s) + " images: at most "
                            + limits.maxImagesPerJob() + " per job", true));
                }
            }
            if (s.hasDynamicThreshold()) floatRange("sample.dynamic_threshold", s.getDynamicThreshold(), 0, true, 1, false);
            if (s.hasShardSize()) intRange("sample.shard_size", s.getShardSize(), 1, limits.maxShardSize());
            guidanceInterval(s);
            autoguidance(s);

            switch (s.getModeCase()) {
                case GENERATE -> { }
                case INPAINT -> inpaint(s.getInpaint(), s, model);
                case IMG2IMG -> img2img(s.getImg2Img(), model);
                case ANAGRAM -> anagram(s.getAnagram(), model);
                case HYBRID -> hybrid(s.getHybrid(), model);
                case MODE_NOT_SET -> add("sample.mode", "is required: one of generate, inpaint, img2img, anagram, hybrid");
            }
        }

        void guidanceInterval(SampleSpec s) {
            boolean minOk = !s.hasGuidanceSigmaMin()
                    || floatRange("sample.guidance_sigma_min", s.getGuidanceSigmaMin(), 0, true, MAX_SIGMA, true);
            boolean maxOk = !s.hasGuidanceSigmaMax()
                    || floatRange("sample.guidance_sigma_max", s.getGuidanceSigmaMax(), 0, true, MAX_SIGMA, true);
            if (minOk && maxOk && s.getGuidanceSigmaMax() > 0 && s.getGuidanceSigmaMax() <= s.getGuidanceSigmaMin()) {
                add("sample.guidance_sigma_max", "must be greater than sample.guidance_sigma_min ("
                        + num(s.getGuidanceSigmaMin()) + "), or 0 for no upper bound");
            }
            if (s.hasGuidanceOutside()) {
                if (s.getGuidanceSigmaMin() == 0 && s.getGuidanceSigmaMax() == 0 && s.getGuidanceOutside() != 1) {
                    add("sample.guidance_outside", "needs a guidance interval (sample.guidance_sigma_min or "
                            + "sample.guidance_sigma_max): without one every step is inside it");
                } else {
                    floatRange("sample.guidance_outside", s.getGuidanceOutside(), 0, true, MAX_GUIDANCE, true);
                }
            }
            if (s.hasGuidanceBelow()) {
                if (s.getGuidanceSigmaMin() <= 0) {
                    add("sample.guidance_below", "needs sample.guidance_sigma_min > 0: the steps below it are the ones "
                            + "it weights");
                } else {
                    floatRange("sample.guidance_below", s.getGuidanceBelow(), 0, true, MAX_GUIDANCE, true);
                }
            }
            if (s.hasGuidanceLowpassSigma()) {
                floatRange("sample.guidance_lowpass_sigma", s.getGuidanceLowpassSigma(), 0, true, MAX_BLUR_SIGMA, true);
            }
            if (s.hasGuidanceHigh()) {
                if (s.getGuidanceLowpassSigma() == 0 && s.getGuidanceHigh() != 1) {
                    add("sample.guidance_high", "needs sample.guidance_lowpass_sigma > 0 (the blur that splits the "
                            + "frequencies): without it every frequency takes sample.guidance");
                } else {
                    floatRange("sample.guidance_high", s.getGuidanceHigh(), 0, true, MAX_GUIDANCE, true);
                }
            }
        }

        void autoguidance(SampleSpec s) {
            boolean guided = s.getGuideCheckpointStep() > 0;
            if (s.hasGuideCheckpointStep() && s.getGuideCheckpointStep() != 0
                    && intRange("sample.guide_checkpoint_step", s.getGuideCheckpointStep(), 1, limits.maxSteps())
                    && s.hasCheckpointStep() && s.getGuideCheckpointStep() >= s.getCheckpointStep()) {
                add("sample.guide_checkpoint_step", "must be an earlier step than sample.checkpoint_step ("
                        + s.getCheckpointStep() + "): the guide is the weaker model");
            }
            if (s.hasGuideWeight()) {
                if (!guided && s.getGuideWeight() != 1) {
                    add("sample.guide_weight", "needs sample.guide_checkpoint_step (the weaker checkpoint of the same "
                            + "training job to guide away from)");
                } else {
                    floatRange("sample.guide_weight", s.getGuideWeight(), 0, true, MAX_GUIDANCE, true);
                }
            }
        }

        void inpaint(InpaintMode m, SampleSpec s, ModelConfig model) {
            ImageInfo image = upload("sample.inpaint.image", m.getImage());
            ImageInfo mask = upload("sample.inpaint.mask", m.getMask());
            if (image != null) imageFitsModel("sample.inpaint.image", image, model);
            if (image != null && mask != null && (mask.width() != image.width() || mask.height() != image.height())) {
                add("sample.inpaint.mask", "must be the size of the image (" + size(image) + "), is " + size(mask));
            } else if (image == null && mask != null) {
                imageFitsModel("sample.inpaint.mask", mask, model);
            }
            if (m.hasJumpLength()) {
                int maxJump = s.hasSteps() && s.getSteps() >= 1 ? s.getSteps() : limits.maxTimesteps();
                intRange("sample.inpaint.jump_length", m.getJumpLength(), 1, maxJump, s.hasSteps() ? " (the sampling steps)" : "");
            }
            if (m.hasResample()) intRange("sample.inpaint.resample", m.getResample(), 1, MAX_RESAMPLE);
        }

        void img2img(Img2ImgMode m, ModelConfig model) {
            ImageInfo image = upload("sample.img2img.image", m.getImage());
            if (image != null) imageFitsModel("sample.img2img.image", image, model);
            if (m.hasStrength()) floatRange("sample.img2img.strength", m.getStrength(), 0, false, 1, true);
        }

        void anagram(AnagramMode m, ModelConfig model) {
            if (needsConditional("sample.anagram", model)) {
                classLabel("sample.anagram.class_a", m.getClassA(), model);
                classLabel("sample.anagram.class_b", m.getClassB(), model);
            }
        }

        void hybrid(HybridMode m, ModelConfig model) {
            if (needsConditional("sample.hybrid", model)) {
                classLabel("sample.hybrid.class_a", m.getClassA(), model);
                classLabel("sample.hybrid.class_b", m.getClassB(), model);
            }
            if (m.hasBlurSigma()) floatRange("sample.hybrid.blur_sigma", m.getBlurSigma(), 0, false, MAX_BLUR_SIGMA, true);
        }

        boolean needsConditional(String field, ModelConfig model) {
            if (model != null && model.getNumClasses() == 0) {
                add(field, "needs a class-conditional model: the checkpoint's model is unconditional");
                return false;
            }
            return true;
        }

        /** A class label: below the model's class count where known, else below {@link #MAX_CLASSES}. */
        boolean classLabel(String field, int label, ModelConfig model) {
            if (model != null) {
                return intRange(field, label, 0, model.getNumClasses() - 1, " (the checkpoint's model has " + model.getNumClasses() + " classes)");
            }
            return intRange(field, label, 0, MAX_CLASSES - 1);
        }

        ImageInfo upload(String field, String id) {
            if (id.isBlank()) {
                add(field, "is required: the id of an upload (POST /v1/uploads)");
                return null;
            }
            if (lookup == null) {
                return null;
            }
            Optional<ImageInfo> info = lookup.upload(id);
            if (info.isEmpty()) {
                add(field, "no upload '" + id + "': upload the image first (POST /v1/uploads)");
                return null;
            }
            return info.get();
        }

        void imageFitsModel(String field, ImageInfo image, ModelConfig model) {
            if (model != null && (image.width() != model.getImageSize() || image.height() != model.getImageSize())) {
                add(field, "must be " + model.getImageSize() + "x" + model.getImageSize()
                        + " like the checkpoint's model, is " + size(image));
            }
        }

        // ---------- rules ----------

        boolean intRange(String field, long value, long min, long max) {
            return intRange(field, value, min, max, "");
        }

        boolean intRange(String field, long value, long min, long max, String why) {
            if (value >= min && value <= max) {
                return true;
            }
            if (max < min) {
                add(field, "has no valid value" + why);
            } else if (max == Long.MAX_VALUE) {
                add(field, "must be at least " + min + why);
            } else {
                add(field, "must be between " + min + " and " + max + why);
            }
            return false;
        }

        boolean floatRange(String field, float value, float min, boolean minInclusive, float max, boolean maxInclusive) {
            if (!Float.isFinite(value)) {
                add(field, "must be a finite number");
                return false;
            }
            boolean ok = (minInclusive ? value >= min : value > min) && (maxInclusive ? value <= max : value < max);
            if (!ok) {
                String low = minInclusive ? "at least " + num(min) : "greater than " + num(min);
                String high = maxInclusive ? "at most " + num(max) : "less than " + num(max);
                String rule = minInclusive && maxInclusive ? "must be between " + num(min) + " and " + num(max) : "must be " + low + " and " + high;
                add(field, rule);
            }
            return ok;
        }

        void oneOf(String field, String what, String value, List<String> allowed) {
            if (!allowed.contains(value)) {
                add(field, "unknown " + what + " '" + value + "': one of " + String.join(", ", allowed));
            }
        }

        static String num(float v) {
            return v == Math.rint(v) && Math.abs(v) < 1e9 ? Long.toString((long) v) : Float.toString(v);
        }

        static String size(ImageInfo i) {
            return i.width() + "x" + i.height();
        }

        static String modeName(SampleSpec s) {
            return s.getModeCase().name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
