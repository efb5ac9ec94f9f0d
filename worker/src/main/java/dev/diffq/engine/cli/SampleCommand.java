package dev.diffq.engine.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import dev.diffq.contract.SamplingProfile;
import dev.diffq.engine.CheckpointSampling;
import dev.diffq.engine.sample.FrequencyGuidance;
import dev.diffq.engine.sample.GuidanceInterval;
import dev.diffq.engine.sample.SampleMode;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.engine.sample.SampleResult;
import dev.diffq.engine.sample.SamplerKind;
import dev.diffq.engine.sample.TimestepSpacing;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.LoadedModel;

/**
 * {@code diffq engine sample | inpaint | img2img | anagram | hybrid}: sampling from a local checkpoint, no services.
 */
public final class SampleCommand {
    private SampleCommand() {}

    static final String USAGE = """
            usage: diffq engine sample   --checkpoint DIR --out DIR [--classes 0-9] [--per-class K] [common options]
                   diffq engine inpaint  --checkpoint DIR --out DIR --image PNG --mask PNG [--classes C] [--jump-length J] [--resample R]
                   diffq engine img2img  --checkpoint DIR --out DIR --image PNG [--strength S] [--classes C]
                   diffq engine anagram  --checkpoint DIR --out DIR --class-a A --class-b B [--per-class K]
                   diffq engine hybrid   --checkpoint DIR --out DIR --class-a A --class-b B [--blur-sigma S] [--per-class K]
            common options:
              --profile fast|best (the checkpoint's recommended profile, fast: see docs/API.md, "Sampling profiles").
                  A profile sets the sampler, steps, guidance, guidance interval and low-pass; the options below
                  override any of them.
              --sampler ddpm|ddim|dpmpp-2m   --steps N (the sampler's default: ddim 50, dpmpp-2m 20, ddpm all)   --eta E (0)
              --spacing leading|trailing (trailing)  --guidance W (0 unconditional, 1 conditional)
              --seed S (0)  --batch B (64)  --raw-weights (use the raw weights, not the EMA)  --no-clip
              --dynamic-threshold P (0 = off)  --gif (trajectory.gif)  --device cpu|gpu:N (cpu)
              --guidance-interval MIN,MAX (guide only where MIN < sigma <= MAX, e.g. 1,4.9; 0,0: every step)
              --guidance-outside W (1: the weight at the steps outside the interval; 1 is the conditional estimate)
              --guidance-below W (as outside: the weight of every frequency at the steps below the interval, sigma <= MIN;
                  0 = the unconditional estimate there)
              --guidance-lowpass S (0 = off: guide only the low-pass, Gaussian S pixels, of the guidance direction;
                  the detail above it takes --guidance-high W, 1 = the conditional estimate's. 1-1.5 suits 28x28)
              --guide-checkpoint DIR (autoguidance: also push every estimate away from this weaker model's, e.g.
                  an early step-<n> of the same run; same schedule, image shape and classes)
              --guide-weight W (2 with --guide-checkpoint; 1 = off)
            --checkpoint takes a training output folder, its checkpoints/ folder or one step-<n> folder.
            """;

    public static int run(String mode, String[] argv, PrintStream out) {
        try {
            Args args = new Args(argv, Set.of("raw-weights", "no-clip", "gif"));
            SampleMode sampleMode = SampleMode.parse(mode.equals("sample") ? "generate" : mode);
            Path checkpoint = args.path("checkpoint");
            Path outDir = args.path("out");
            SampleRequest.Builder b = SampleRequest.builder()
                    .mode(sampleMode)
                    .eta(args.number("eta", 0, 0, 10))
                    .spacing(TimestepSpacing.parse(args.string("spacing", "trailing")))
                    .perClass(args.integer("per-class", sampleMode == SampleMode.GENERATE ? 8 : 4, 1, 100_000))
                    .seed(args.longValue("seed", 0))
                    .batchSize(args.integer("batch", 64, 1, 4096))
                    .clipX0(!args.flag("no-clip"))
                    .dynamicThreshold(args.number("dynamic-threshold", 0, 0, 0.9999))
                    .trajectoryGif(args.flag("gif"));
            // the profile's fields are set once the checkpoint (and so its recorded profile) is loaded
            String profileName = args.has("profile") ? args.string("profile", "") : null;
            SamplerKind sampler = args.has("sampler") ? SamplerKind.parse(args.string("sampler", "")) : null;
            Integer steps = args.has("steps") ? args.integer("steps", 0, 1, 100_000) : null;
            Double guidance = args.has("guidance") ? args.number("guidance", 3, -100, 100) : null;
            GuidanceInterval interval = null;
            if (args.has("guidance-interval")) {
                try {
                    interval = GuidanceInterval.parse(args.string("guidance-interval", ""));
                } catch (IllegalArgumentException e) {
                    throw new Args.UsageException("--guidance-interval: " + e.getMessage());
                }
            }
            Double outside = args.has("guidance-outside") ? args.number("guidance-outside", 1, -100, 100) : null;
            Double below = args.has("guidance-below") ? args.number("guidance-below", 1, -100, 100) : null;
            Double lowpass = args.has("guidance-lowpass") ? args.number("guidance-lowpass", 0, 0, 100) : null;
            Double high = args.has("guidance-high") ? args.number("guidance-high", 1, -100, 100) : null;
            if (lowpass != null && lowpass == 0 && high != null) {
                throw new Args.UsageException("--guidance-high needs --guidance-lowpass above 0 (0 turns the split off)");
            }
            switch (sampleMode) {
                case GENERATE -> b.classes(args.classes("classes", "all"));
                case INPAINT -> b.classes(args.classes("classes", "none")).image(args.path("image")).mask(args.path("mask"))
                        .jumpLength(args.integer("jump-length", 10, 1, 1000)).resample(args.integer("resample", 5, 1, 100));
                case IMG2IMG -> b.classes(args.classes("classes", "none")).image(args.path("image"))
                        .strength(args.number("strength", 0.6, 0, 1));
                case ANAGRAM -> b.classA(args.integer("class-a", 0, 0, 100_000)).classB(args.integer("class-b", 0, 0, 100_000));
                case HYBRID -> b.classA(args.integer("class-a", 0, 0, 100_000)).classB(args.integer("class-b", 0, 0, 100_000))
                        .blurSigma(args.number("blur-sigma", 1.5, 0.01, 100));
            }
            Path guidePath = args.has("guide-checkpoint") ? args.path("guide-checkpoint") : null;
            if (guidePath != null) {
                b.guideWeight(args.number("guide-weight", 2, -100, 100));
            } else if (args.has("guide-weight")) {
                throw new Args.UsageException("--guide-weight needs --guide-checkpoint (the weaker model it guides away from)");
            }
            boolean ema = !args.flag("raw-weights");
            String device = args.string("device", "cpu");
            if ((sampleMode == SampleMode.ANAGRAM || sampleMode == SampleMode.HYBRID) && !(args.has("class-a") && args.has("class-b"))) {
                throw new Args.UsageException("--class-a and --class-b are required for " + mode);
            }
            args.finish();
            var dev = DiffusionTrainer.resolveDevice(device);
            try (LoadedModel model = Checkpoint.load(checkpoint, ema, dev);
                 LoadedModel guide = guidePath == null ? null
                         : Checkpoint.load(guidePath, true, dev)) {
                SamplingProfile profile = model.samplingProfile(profileName);
                // a model trained on fewer timesteps than the profile's steps samples every one of them
                b.profile(profile).steps(Math.min(profile.steps(), model.timesteps()));
                if (sampler != null && sampler != SamplerKind.parse(profile.sampler())) {
                    // steps belong to the sampler: another sampler than the profile's starts from its own default
                    b.sampler(sampler).steps(0);
                }
                if (steps != null) b.steps(steps);
                if (guidance != null) b.guidance(guidance);
                b.guidanceInterval(withWeights(interval != null ? interval
                        : new GuidanceInterval(profile.guidanceSigmaMin(), profile.guidanceSigmaMax()), outside, below));
                if (lowpass != null && lowpass == 0) {
                    b.frequencyGuidance(FrequencyGuidance.OFF);
                } else if (lowpass != null || high != null) {
                    double sigma = lowpass != null ? lowpass : profile.guidanceLowpassSigma();
                    if (sigma == 0) {
                        throw new Args.UsageException("--guidance-high needs --guidance-lowpass (the blur that splits "
                                + "the frequencies)");
                    }
                    b.frequencyGuidance(new FrequencyGuidance(sigma, high != null ? high : 1));
                }
                SampleRequest req = b.build();
                if (sampleMode == SampleMode.GENERATE && req.classes().isEmpty() && model.numClasses() > 0) {
                    req = req.toBuilder().classes(allClasses(model.numClasses())).build();
                }
                out.printf("sampling %d image(s) from %s (step %d, %s weights) with %s%n", req.count(), model.dir(),
                        model.step(), ema ? "EMA" : "raw", req.sampler());
                out.printf("profile: %s%s%n", profile.describe(), overridden(args) ? ", with the options given" : "");
                if (guide != null) {
                    out.printf("autoguidance: weight %s against %s (step %d, EMA weights)%n", req.guideWeight(),
                            guide.dir(), guide.step());
                }
                ProgressBar bar = new ProgressBar(out, "sampling");
                SampleResult result = CheckpointSampling.run(model, guide, req, outDir, (step, total) -> bar.update(step, total, ""),
                        () -> false);
                bar.done();
                out.printf("wrote %d image(s) and %s in %.1f s (%.2f images/s)%n", result.images().size(), result.grid(),
                        result.elapsedMillis() / 1000.0, result.images().size() * 1000.0 / Math.max(1, result.elapsedMillis()));
                if (result.trajectoryGif() != null) {
                    out.println("trajectory: " + result.trajectoryGif());
                }
                return 0;
            }
        } catch (IllegalArgumentException e) {
            out.println("diffq engine " + mode + ": " + e.getMessage());
            out.print(USAGE);
            return 2;
        } catch (Exception e) {
            out.println("diffq engine " + mode + ": " + e.getMessage());
            return 1;
        }
    }

    /** The outside and below weights on an interval (from the options or the profile); both need a bounded one. */
    private static GuidanceInterval withWeights(GuidanceInterval interval, Double outside, Double below) {
        if ((outside != null || below != null) && interval.isAlways()) {
            throw new Args.UsageException("--guidance-" + (outside != null ? "outside" : "below")
                    + " needs --guidance-interval (the steps it applies to)");
        }
        if (outside != null) {
            interval = interval.withOutsideWeight(outside);
        }
        if (below != null) {
            if (interval.sigmaMin() == 0) {
                throw new Args.UsageException("--guidance-below needs --guidance-interval with MIN above 0 "
                        + "(the steps below it), e.g. 1,5.4");
            }
            interval = interval.withBelowWeight(below);
        }
        return interval;
    }

    private static boolean overridden(Args args) {
        return PROFILE_FIELDS.stream().anyMatch(args::has);
    }

    private static final List<String> PROFILE_FIELDS = List.of("sampler", "steps", "guidance", "guidance-interval",
            "guidance-outside", "guidance-below", "guidance-lowpass", "guidance-high");

    static List<Integer> allClasses(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }
}
