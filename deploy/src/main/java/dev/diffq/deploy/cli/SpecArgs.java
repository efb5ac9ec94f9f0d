package dev.diffq.deploy.cli;

import dev.diffq.contract.SigmaInterval;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Turns the options of a submitting command into a {@link JobSpec}. Only what was given is set: the
 * coordinator fills the defaults (SpecDefaults), so the CLI never disagrees with the server about them.
 * Image options that name a local file become {@link PendingUpload}s, uploaded before the job is submitted.
 */
final class SpecArgs {
    private SpecArgs() {}

    /** A file to upload whose id then goes into {@code field} (sample.inpaint.image, ...). */
    record PendingUpload(String field, Path file) {}

    /**
     * What a submitting command asks for. {@code allClasses}: {@code --classes all}, resolved against the
     * checkpoint job's model before submitting.
     */
    record Plan(JobSpec spec, List<PendingUpload> uploads, boolean allClasses, Optional<String> jobId,
                Optional<String> idempotencyKey, boolean waitForEnd, Optional<Path> out, boolean dryRun) {}

    static Plan plan(CliArgs a) {
        JobSpec.Builder spec = JobSpec.newBuilder();
        a.value("name").ifPresent(spec::setName);
        a.value("priority").ifPresent(p -> spec.setPriority(priority(p)));
        a.longValue("seed").ifPresent(spec::setSeed);
        a.intValue("max-attempts").ifPresent(spec::setMaxAttempts);
        List<PendingUpload> uploads = new ArrayList<>();
        boolean allClasses = false;
        String command = a.command().name();
        if (command.equals("train")) {
            spec.setTrain(train(a));
        } else {
            SampleSpec.Builder s = SampleSpec.newBuilder();
            s.setCheckpointJob(a.positional(0).orElseThrow());
            allClasses = sample(a, s);
            switch (command) {
                case "sample" -> s.setGenerate(GenerateMode.getDefaultInstance());
                case "inpaint" -> {
                    InpaintMode.Builder m = InpaintMode.newBuilder();
                    m.setImage(image(a, "image", "sample.inpaint.image", uploads));
                    m.setMask(image(a, "mask", "sample.inpaint.mask", uploads));
                    a.intValue("jump").ifPresent(m::setJumpLength);
                    a.intValue("resample").ifPresent(m::setResample);
                    s.setInpaint(m);
                }
                case "img2img" -> {
                    Img2ImgMode.Builder m = Img2ImgMode.newBuilder();
                    m.setImage(image(a, "image", "sample.img2img.image", uploads));
                    a.floatValue("strength").ifPresent(m::setStrength);
                    s.setImg2Img(m);
                }
                case "anagram" -> s.setAnagram(AnagramMode.newBuilder()
                        .setClassA(requiredInt(a, "class-a")).setClassB(requiredInt(a, "class-b")));
                case "hybrid" -> {
                    HybridMode.Builder m = HybridMode.newBuilder()
                            .setClassA(requiredInt(a, "class-a")).setClassB(requiredInt(a, "class-b"));
                    a.floatValue("sigma").ifPresent(m::setBlurSigma);
                    s.setHybrid(m);
                }
                default -> throw new IllegalArgumentException("not a submitting command: " + command);
            }
            spec.setSample(s);
        }
        Optional<Path> out = a.value("out").map(Path::of);
        return new Plan(spec.build(), List.copyOf(uploads), allClasses, a.value("id"), a.value("key"),
                a.flag("wait") || out.isPresent(), out, a.flag("dry-run"));
    }

    static TrainSpec train(CliArgs a) {
        TrainSpec.Builder t = TrainSpec.newBuilder();
        t.setDataset(a.value("dataset", "mnist"));
        ModelConfig.Builder m = ModelConfig.newBuilder();
        a.value("preset").ifPresent(m::setPreset);
        a.intValue("image-size").ifPresent(m::setImageSize);
        a.intValue("channels").ifPresent(m::setInChannels);
        a.intValue("base-channels").ifPresent(m::setBaseChannels);
        a.intList("mults").ifPresent(m::addAllChannelMults);
        a.intValue("blocks").ifPresent(m::setBlocksPerLevel);
        a.intList("attn").ifPresent(m::addAllAttentionLevels);
        a.intValue("num-classes").ifPresent(m::setNumClasses);
        a.floatValue("dropout").ifPresent(m::setDropout);
        if (!m.build().equals(ModelConfig.getDefaultInstance())) {
            t.setModel(m);
        }
        a.intValue("steps").ifPresent(t::setSteps);
        a.floatValue("minutes").ifPresent(t::setMaxMinutes);
        a.intValue("batch").ifPresent(t::setBatchSize);
        a.floatValue("lr").ifPresent(t::setLearningRate);
        a.intValue("warmup").ifPresent(t::setWarmupSteps);
        a.value("lr-decay").ifPresent(t::setLrDecay);
        a.floatValue("grad-clip").ifPresent(t::setGradClip);
        a.floatValue("ema-decay").ifPresent(t::setEmaDecay);
        a.intValue("ema-warmup").ifPresent(t::setEmaWarmupSteps);
        a.floatValue("label-dropout").ifPresent(t::setLabelDropout);
        a.intValue("grad-accum").ifPresent(t::setGradAccum);
        a.value("schedule").ifPresent(t::setSchedule);
        a.intValue("timesteps").ifPresent(t::setTimesteps);
        a.value("objective").ifPresent(t::setObjective);
        a.value("loss").ifPresent(t::setLoss);
        a.floatValue("min-snr").ifPresent(t::setMinSnrGamma);
        a.intValue("checkpoint-every").ifPresent(t::setCheckpointEverySteps);
        a.floatValue("checkpoint-minutes").ifPresent(t::setCheckpointEveryMinutes);
        a.intValue("sample-every").ifPresent(t::setSampleEverySteps);
        if (a.flag("flip")) {
            t.setRandomFlip(true);
        }
        a.intValue("log-every").ifPresent(t::setLogEverySteps);
        return t.build();
    }

    /** {@code MIN,MAX} in noise levels; an empty side (or 0) is no bound. The server checks the ranges. */
    private static void guidanceInterval(String text, SampleSpec.Builder s) {
        try {
            SigmaInterval i = SigmaInterval.parse(text);
            s.setGuidanceSigmaMin((float) i.min()).setGuidanceSigmaMax((float) i.max());
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--guidance-interval: " + e.getMessage());
        }
    }

    /** Fills the options every sampling mode shares; returns whether {@code --classes all} was asked for. */
    private static boolean sample(CliArgs a, SampleSpec.Builder s) {
        a.intValue("checkpoint-step").ifPresent(s::setCheckpointStep);
        a.value("profile").ifPresent(s::setProfile);
        a.value("sampler").ifPresent(s::setSampler);
        a.intValue("steps").ifPresent(s::setSteps);
        a.floatValue("eta").ifPresent(s::setEta);
        a.value("spacing").ifPresent(s::setSpacing);
        a.floatValue("guidance").ifPresent(s::setGuidance);
        a.intValue("per-class").ifPresent(s::setPerClass);
        if (a.flag("no-ema")) s.setUseEma(false);
        if (a.flag("no-clip")) s.setClipX0(false);
        a.floatValue("threshold").ifPresent(s::setDynamicThreshold);
        a.value("guidance-interval").ifPresent(v -> guidanceInterval(v, s));
        a.floatValue("guidance-outside").ifPresent(s::setGuidanceOutside);
        a.floatValue("guidance-below").ifPresent(s::setGuidanceBelow);
        a.floatValue("guidance-lowpass").ifPresent(s::setGuidanceLowpassSigma);
        a.floatValue("guidance-high").ifPresent(s::setGuidanceHigh);
        a.intValue("guide-step").ifPresent(s::setGuideCheckpointStep);
        a.floatValue("guide-weight").ifPresent(s::setGuideWeight);
        if (a.flag("gif")) s.setTrajectoryGif(true);
        a.intValue("shard-size").ifPresent(s::setShardSize);
        Optional<String> classes = a.value("classes");
        if (classes.isPresent() && classes.get().trim().equalsIgnoreCase("all")) {
            return true;
        }
        classes.ifPresent(c -> s.addAllClasses(classes(c)));
        return false;
    }

    /** {@code 0,1,2}, {@code 0-9}, {@code 0-4,7}: the classes in the order given, without repeats. */
    static List<Integer> classes(String text) {
        List<Integer> out = new ArrayList<>();
        TreeSet<Integer> seen = new TreeSet<>();
        String bad = "--classes: expected class numbers like 0,1,2 or 0-9 or all, got '" + text + "'";
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            int dash = p.indexOf('-', 1);
            try {
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash).trim());
                    int to = Integer.parseInt(p.substring(dash + 1).trim());
                    if (to < from || to - from > 10_000) {
                        throw CliException.usage(bad);
                    }
                    for (int c = from; c <= to; c++) {
                        if (seen.add(c)) out.add(c);
                    }
                } else {
                    int c = Integer.parseInt(p);
                    if (seen.add(c)) out.add(c);
                }
            } catch (NumberFormatException e) {
                throw CliException.usage(bad);
            }
        }
        return out;
    }

    static Priority priority(String p) {
        return switch (p.trim().toLowerCase(Locale.ROOT)) {
            case "normal" -> Priority.PRIORITY_NORMAL;
            case "high" -> Priority.PRIORITY_HIGH;
            default -> throw CliException.usage("--priority: one of normal, high, got '" + p + "'");
        };
    }

    private static int requiredInt(CliArgs a, String name) {
        return a.intValue(name).orElseThrow(() -> CliException.usage(
                "--" + name + " is required: usage: bin/diffq " + a.command().usage()));
    }

    /**
     * An image option: an existing file becomes a pending upload (its field holds the path until then);
     * anything else that looks like a path is an error; the rest is taken as an upload id.
     */
    private static String image(CliArgs a, String option, String field, List<PendingUpload> uploads) {
        String value = a.value(option).orElseThrow(() -> CliException.usage(
                "--" + option + " is required: a PNG/JPEG file or an upload id (usage: bin/diffq " + a.command().usage() + ")"));
        Path path = Path.of(value);
        if (Files.isRegularFile(path)) {
            uploads.add(new PendingUpload(field, path));
            return value;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (value.contains("/") || value.contains(java.io.File.separator) || lower.endsWith(".png") || lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            throw CliException.usage("--" + option + ": no such file: " + value);
        }
        return value;
    }

    /** The spec with an upload id put into {@code field}. */
    static JobSpec withUpload(JobSpec spec, String field, String uploadId) {
        SampleSpec.Builder s = spec.getSample().toBuilder();
        switch (field) {
            case "sample.inpaint.image" -> s.setInpaint(s.getInpaint().toBuilder().setImage(uploadId));
            case "sample.inpaint.mask" -> s.setInpaint(s.getInpaint().toBuilder().setMask(uploadId));
            case "sample.img2img.image" -> s.setImg2Img(s.getImg2Img().toBuilder().setImage(uploadId));
            default -> throw new IllegalArgumentException("not an image field: " + field);
        }
        return spec.toBuilder().setSample(s).build();
    }
}
