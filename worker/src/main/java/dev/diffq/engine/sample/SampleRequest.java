package dev.diffq.engine.sample;

import dev.diffq.contract.SamplingProfile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One sampling run (a whole job, or one shard of it).
 *
 * <p>The job's images are numbered by a global index: for GENERATE / INPAINT / IMG2IMG with classes,
 * image i has class classes[i / perClass] (total classes.size() * perClass); without classes there are
 * perClass unconditional images; ANAGRAM and HYBRID make perClass images. This request makes images
 * [firstImageIndex, firstImageIndex + imageCount) of that list (imageCount 0 = to the end), so shards
 * of one job give the images a single run would: noise depends only on (seed, global index).
 *
 * @param steps            0 = the sampler's default ({@link SamplerKind#defaultSteps})
 * @param eta              DDIM stochasticity (0 = deterministic)
 * @param guidance         classifier-free guidance weight w: 0 unconditional, 1 conditional, > 1 guided
 * @param dynamicThreshold percentile in (0, 1) for dynamic thresholding of x0; 0 = off
 * @param guidanceInterval the noise levels at which guidance applies ({@link GuidanceInterval#ALWAYS} = all)
 * @param frequencyGuidance guidance split by spatial frequency inside that interval ({@link FrequencyGuidance#OFF} = plain)
 * @param image            INPAINT / IMG2IMG input (any size: centre-cropped and resized to the model's)
 * @param mask             INPAINT mask: white (1) = generate, black (0) = keep
 * @param jumpLength       INPAINT RePaint jump length (in sampler steps)
 * @param resample         INPAINT RePaint resampling count (1 = none)
 * @param strength         IMG2IMG: 0 = return the input, 1 = start from (nearly) pure noise
 * @param blurSigma        HYBRID low-pass Gaussian sigma, in pixels
 * @param guideWeight      {@link Autoguidance} weight against the pipeline's guide model: 1 = off (no guide needed)
 */
public record SampleRequest(
        SampleMode mode,
        SamplerKind sampler,
        int steps,
        double eta,
        TimestepSpacing spacing,
        double guidance,
        List<Integer> classes,
        int perClass,
        long seed,
        long firstImageIndex,
        int imageCount,
        int batchSize,
        boolean clipX0,
        double dynamicThreshold,
        boolean trajectoryGif,
        Path image,
        Path mask,
        int jumpLength,
        int resample,
        double strength,
        int classA,
        int classB,
        double blurSigma,
        GuidanceInterval guidanceInterval,
        FrequencyGuidance frequencyGuidance,
        double guideWeight) {

    public SampleRequest {
        classes = classes == null ? List.of() : List.copyOf(classes);
        guidanceInterval = guidanceInterval == null ? GuidanceInterval.ALWAYS : guidanceInterval;
        frequencyGuidance = frequencyGuidance == null ? FrequencyGuidance.OFF : frequencyGuidance;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.mode = mode; b.sampler = sampler; b.steps = steps; b.eta = eta; b.spacing = spacing;
        b.guidance = guidance; b.classes = classes; b.perClass = perClass; b.seed = seed;
        b.firstImageIndex = firstImageIndex; b.imageCount = imageCount; b.batchSize = batchSize;
        b.clipX0 = clipX0; b.dynamicThreshold = dynamicThreshold; b.trajectoryGif = trajectoryGif;
        b.image = image; b.mask = mask; b.jumpLength = jumpLength; b.resample = resample;
        b.strength = strength; b.classA = classA; b.classB = classB; b.blurSigma = blurSigma;
        b.guidanceInterval = guidanceInterval; b.frequencyGuidance = frequencyGuidance; b.guideWeight = guideWeight;
        return b;
    }

    /** Images in the whole job (not just this request's range). */
    public long jobImages() {
        return switch (mode) {
            case ANAGRAM, HYBRID -> perClass;
            default -> classes.isEmpty() ? perClass : (long) classes.size() * perClass;
        };
    }

    /** Images this request makes. */
    public int count() {
        return Math.toIntExact(imageCount > 0 ? imageCount : jobImages() - firstImageIndex);
    }

    /** Class label of a global image index, or -1 when unconditional or multi-class (anagram/hybrid). */
    public int classOf(long imageIndex) {
        if (mode == SampleMode.ANAGRAM || mode == SampleMode.HYBRID || classes.isEmpty()) {
            return -1;
        }
        return classes.get(Math.toIntExact(imageIndex / perClass));
    }

    /** The label part of a file name: the class, "u" when unconditional, "a-b" for anagrams and hybrids. */
    public String labelTag(long imageIndex) {
        if (mode == SampleMode.ANAGRAM || mode == SampleMode.HYBRID) {
            return classA + "-" + classB;
        }
        int c = classOf(imageIndex);
        return c < 0 ? "u" : Integer.toString(c);
    }

    public int resolvedSteps(int trainSteps) {
        return steps > 0 ? steps : sampler.defaultSteps(trainSteps);
    }

    /**
     * Checks the request against a model: its schedule length and null class (= number of classes;
     * 0 for an unconditional model). Throws IllegalArgumentException naming the field and the rule.
     */
    public void validate(int trainSteps, int nullClass) {
        require(mode != null, "mode is required");
        require(sampler != null, "sampler is required: ddpm, ddim or dpmpp-2m");
        require(spacing != null, "spacing is required: leading or trailing");
        require(steps >= 0 && steps <= trainSteps, "steps must be in [1, " + trainSteps + "] (or 0 for the default), got " + steps);
        require(eta >= 0 && Double.isFinite(eta), "eta must be >= 0, got " + eta);
        require(Double.isFinite(guidance), "guidance must be a finite number, got " + guidance);
        require(Double.isFinite(guideWeight), "guideWeight must be a finite number (1 = off), got " + guideWeight);
        require(perClass >= 1, "perClass must be >= 1, got " + perClass);
        require(batchSize >= 1, "batchSize must be >= 1, got " + batchSize);
        require(dynamicThreshold >= 0 && dynamicThreshold < 1, "dynamicThreshold must be in (0, 1), or 0 for off; got " + dynamicThreshold);
        require(firstImageIndex >= 0, "firstImageIndex must be >= 0, got " + firstImageIndex);
        require(imageCount >= 0, "imageCount must be >= 0 (0 = to the end), got " + imageCount);
        long total = jobImages();
        require(firstImageIndex < total, "firstImageIndex must be < the job's " + total + " images, got " + firstImageIndex);
        require(firstImageIndex + imageCount <= total,
                "firstImageIndex + imageCount must be <= the job's " + total + " images, got " + (firstImageIndex + imageCount));
        for (int c : classes) {
            requireClass("classes", c, nullClass);
        }
        switch (mode) {
            case INPAINT -> {
                requireFile("image", image);
                requireFile("mask", mask);
                require(jumpLength >= 1, "jumpLength must be >= 1, got " + jumpLength);
                require(resample >= 1, "resample must be >= 1 (1 = no resampling), got " + resample);
            }
            case IMG2IMG -> {
                requireFile("image", image);
                require(strength >= 0 && strength <= 1, "strength must be in [0, 1], got " + strength);
            }
            case ANAGRAM, HYBRID -> {
                requireClass("classA", classA, nullClass);
                requireClass("classB", classB, nullClass);
                if (mode == SampleMode.HYBRID) {
                    require(blurSigma > 0 && Double.isFinite(blurSigma), "blurSigma must be > 0, got " + blurSigma);
                }
            }
            default -> { }
        }
    }

    private static void requireClass(String field, int c, int nullClass) {
        require(nullClass > 0, field + " needs a class-conditional model; this one is unconditional");
        require(c >= 0 && c < nullClass, field + " must be a class in [0, " + nullClass + "), got " + c);
    }

    private static void requireFile(String field, Path p) {
        require(p != null, field + " is required for this mode");
        require(Files.isRegularFile(p), field + " is not a readable file: " + p);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Defaults: generate, DDIM with its default steps, eta 0, trailing spacing, w = 1, no autoguidance, clip x0,
     * batch 64. */
    public static final class Builder {
        private SampleMode mode = SampleMode.GENERATE;
        private SamplerKind sampler = SamplerKind.DDIM;
        private int steps;
        private double eta;
        private TimestepSpacing spacing = TimestepSpacing.TRAILING;
        private double guidance = 1.0;
        private List<Integer> classes = List.of();
        private int perClass = 1;
        private long seed;
        private long firstImageIndex;
        private int imageCount;
        private int batchSize = 64;
        private boolean clipX0 = true;
        private double dynamicThreshold;
        private boolean trajectoryGif;
        private Path image;
        private Path mask;
        private int jumpLength = 10;
        private int resample = 1;
        private double strength = 0.6;
        private int classA;
        private int classB;
        private double blurSigma = 1.5;
        private GuidanceInterval guidanceInterval = GuidanceInterval.ALWAYS;
        private FrequencyGuidance frequencyGuidance = FrequencyGuidance.OFF;
        private double guideWeight = 1.0;

        public Builder mode(SampleMode v) { mode = v; return this; }
        public Builder sampler(SamplerKind v) { sampler = v; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder eta(double v) { eta = v; return this; }
        public Builder spacing(TimestepSpacing v) { spacing = v; return this; }
        public Builder guidance(double v) { guidance = v; return this; }
        public Builder classes(List<Integer> v) { classes = v; return this; }
        public Builder perClass(int v) { perClass = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder firstImageIndex(long v) { firstImageIndex = v; return this; }
        public Builder imageCount(int v) { imageCount = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder clipX0(boolean v) { clipX0 = v; return this; }
        public Builder dynamicThreshold(double v) { dynamicThreshold = v; return this; }
        public Builder trajectoryGif(boolean v) { trajectoryGif = v; return this; }
        public Builder image(Path v) { image = v; return this; }
        public Builder mask(Path v) { mask = v; return this; }
        public Builder jumpLength(int v) { jumpLength = v; return this; }
        public Builder resample(int v) { resample = v; return this; }
        public Builder strength(double v) { strength = v; return this; }
        public Builder classA(int v) { classA = v; return this; }
        public Builder classB(int v) { classB = v; return this; }
        public Builder blurSigma(double v) { blurSigma = v; return this; }
        public Builder guidanceInterval(GuidanceInterval v) { guidanceInterval = v; return this; }
        public Builder frequencyGuidance(FrequencyGuidance v) { frequencyGuidance = v; return this; }
        public Builder guideWeight(double v) { guideWeight = v; return this; }

        /** Takes a sampling profile's sampler, steps, guidance weight, interval and low-pass; the rest stays. */
        public Builder profile(SamplingProfile p) {
            sampler = SamplerKind.parse(p.sampler());
            steps = p.steps();
            guidance = p.guidance();
            guidanceInterval = new GuidanceInterval(p.guidanceSigmaMin(), p.guidanceSigmaMax());
            frequencyGuidance = p.guidanceLowpassSigma() > 0 ? FrequencyGuidance.lowPass(p.guidanceLowpassSigma())
                    : FrequencyGuidance.OFF;
            return this;
        }

        public SampleRequest build() {
            return new SampleRequest(mode, sampler, steps, eta, spacing, guidance, classes, perClass, seed,
                    firstImageIndex, imageCount, batchSize, clipX0, dynamicThreshold, trajectoryGif, image, mask,
                    jumpLength, resample, strength, classA, classB, blurSigma, guidanceInterval, frequencyGuidance,
                    guideWeight);
        }
    }
}
