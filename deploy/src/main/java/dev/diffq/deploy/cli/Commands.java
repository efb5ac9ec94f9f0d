package dev.diffq.deploy.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Every client command and its options: what the parser accepts and what {@code help} prints. */
final class Commands {
    private Commands() {}

    /** An option; {@code arg == null} makes it a flag. */
    record Opt(String name, String arg, String help) {
        boolean isFlag() {
            return arg == null;
        }
    }

    record Command(String name, String usage, String summary, List<String> positionalNames, int minPositional,
                   List<Opt> options, String details) {
        Optional<Opt> option(String name) {
            return options.stream().filter(o -> o.name().equals(name)).findFirst();
        }
    }

    static final List<Opt> GLOBAL = List.of(
            new Opt("url", "URL", "coordinator (env DIFFQ_URL, default http://127.0.0.1:8080)"),
            new Opt("token", "TOKEN", "sent as 'Authorization: Bearer TOKEN' (env DIFFQ_TOKEN)"),
            new Opt("json", null, "print JSON instead of text"),
            new Opt("help", null, "show this help"));

    static final List<Opt> SUBMIT = List.of(
            new Opt("name", "NAME", "a name for the job"),
            new Opt("priority", "P", "normal or high"),
            new Opt("seed", "N", "random seed (default: the coordinator picks one)"),
            new Opt("max-attempts", "N", "attempts before the job fails (default 3)"),
            new Opt("id", "ID", "choose the job id ([a-z0-9][a-z0-9-]{2,62}); submitting again with the same spec is a no-op"),
            new Opt("key", "K", "Idempotency-Key: repeating a submission with the same key returns the first job"),
            new Opt("wait", null, "watch the job until it ends; exit 1 unless it SUCCEEDED"),
            new Opt("out", "DIR", "with --wait: download the job's artifacts into DIR when it succeeds (implies --wait)"),
            new Opt("dry-run", null, "print the spec that would be sent, check it locally, send nothing"));

    static final List<Opt> TRAIN = List.of(
            new Opt("preset", "P", "model preset: mnist-small (default), mnist-base, rgb32, rgb64, custom"),
            new Opt("dataset", "D", "mnist (default), fashion-mnist, emoji (with --preset rgb32), or upload:NAME (see upload)"),
            new Opt("steps", "N", "optimizer steps (default 2000 unless --minutes is given)"),
            new Opt("minutes", "M", "stop after M minutes of training (whichever of steps/minutes comes first)"),
            new Opt("batch", "N", "batch size (default 64)"),
            new Opt("lr", "X", "learning rate (default 1e-3)"),
            new Opt("warmup", "N", "learning-rate warmup steps (default 200, or a tenth of a short run; 50 with only --minutes)"),
            new Opt("lr-decay", "S", "constant, cosine (default; over --minutes when no --steps) or exponential"),
            new Opt("grad-clip", "X", "global gradient-norm clip; 0 = off (default 1)"),
            new Opt("ema-decay", "X", "EMA decay of the weights (default 0.995)"),
            new Opt("ema-warmup", "N", "steps before the EMA starts (default 0)"),
            new Opt("label-dropout", "X", "probability of the null class, for classifier-free guidance (default 0.1)"),
            new Opt("grad-accum", "N", "batches per optimizer step (default 1)"),
            new Opt("schedule", "S", "noise schedule: linear, cosine (default), sigmoid"),
            new Opt("timesteps", "N", "diffusion timesteps T (default 1000)"),
            new Opt("objective", "S", "v (default) or eps"),
            new Opt("loss", "S", "l2 (default), l1 or huber"),
            new Opt("min-snr", "X", "min-SNR loss weighting gamma; 0 = off (default 0)"),
            new Opt("checkpoint-every", "N", "checkpoint every N steps (default 500; 0 = off)"),
            new Opt("checkpoint-minutes", "M", "and every M minutes (default 10; 0 = off)"),
            new Opt("sample-every", "N", "sample a grid every N steps (default 0: only at the end)"),
            new Opt("flip", null, "random horizontal flips (not for digits)"),
            new Opt("log-every", "N", "log the loss every N steps (default 10)"),
            new Opt("image-size", "N", "model: image size (default from the preset)"),
            new Opt("channels", "N", "model: image channels, 1 or 3"),
            new Opt("base-channels", "N", "model: base channels C"),
            new Opt("mults", "LIST", "model: channel multipliers per level, e.g. 1,2,2"),
            new Opt("blocks", "N", "model: ResBlocks per level"),
            new Opt("attn", "LIST", "model: levels with self-attention, e.g. 2 or 1,2"),
            new Opt("num-classes", "N", "model: classes; 0 = unconditional"),
            new Opt("dropout", "X", "model: dropout"));

    static final List<Opt> SAMPLE = List.of(
            new Opt("checkpoint-step", "N", "sample from this checkpoint step (default: the latest)"),
            new Opt("profile", "P", "sampling profile: fast (default) or best; it sets the sampler, steps, guidance, "
                    + "interval and low-pass, and the options below override any of them"),
            new Opt("sampler", "S", "ddim, ddpm or dpmpp-2m (default: the profile's)"),
            new Opt("steps", "N", "sampling steps (default: the profile's; another sampler's own: ddim 50, ddpm 1000)"),
            new Opt("eta", "X", "DDIM stochasticity, 0..1 (default 0)"),
            new Opt("spacing", "S", "timestep spacing: trailing (default) or leading"),
            new Opt("guidance", "W", "classifier-free guidance weight (default: the profile's)"),
            new Opt("classes", "LIST", "classes to draw: 0,1,2 or 0-9 or all (default: unconditional)"),
            new Opt("per-class", "N", "images per class, or in total when unconditional (default 8)"),
            new Opt("no-ema", null, "use the raw weights instead of the EMA"),
            new Opt("no-clip", null, "do not clip the predicted x0 to [-1, 1]"),
            new Opt("threshold", "P", "dynamic thresholding percentile in (0,1); 0 = off (default)"),
            new Opt("guidance-interval", "MIN,MAX", "guide only where MIN < sigma <= MAX, e.g. 1,4.9; 0,0 = every step (default: the profile's)"),
            new Opt("guidance-outside", "W", "guidance weight outside --guidance-interval (default 1: the conditional estimate)"),
            new Opt("guidance-below", "W", "weight of every frequency below --guidance-interval's MIN (default: as outside; 0 = unconditional)"),
            new Opt("guidance-lowpass", "S", "guide only the Gaussian low-pass (S pixels) of the guidance direction; 0 = off (default: the profile's)"),
            new Opt("guidance-high", "W", "guidance weight above --guidance-lowpass (default 1: the conditional estimate's detail)"),
            new Opt("guide-step", "N", "autoguidance: also guide away from the training job's weaker checkpoint at step N (default 0: off)"),
            new Opt("guide-weight", "W", "autoguidance weight with --guide-step (default 2; 1 = off)"),
            new Opt("gif", null, "also write a GIF of the denoising trajectory"),
            new Opt("shard-size", "N", "images per shard spread over the workers (default 64)"));

    static final List<Opt> INPAINT = List.of(
            new Opt("image", "FILE|ID", "the image: a PNG/JPEG file (uploaded first) or an upload id"),
            new Opt("mask", "FILE|ID", "the mask, same size: white = generate, black = keep"),
            new Opt("jump", "N", "RePaint jump length (default 10)"),
            new Opt("resample", "N", "RePaint resampling count (default 5; 1 = none)"));

    static final List<Opt> IMG2IMG = List.of(
            new Opt("image", "FILE|ID", "the starting image: a PNG/JPEG file (uploaded first) or an upload id"),
            new Opt("strength", "X", "how much noise to add, in (0,1] (default 0.6)"));

    static final List<Opt> ANAGRAM = List.of(
            new Opt("class-a", "N", "the class seen upright"),
            new Opt("class-b", "N", "the class seen upside down"));

    static final List<Opt> HYBRID = List.of(
            new Opt("class-a", "N", "the class seen from afar (low frequencies)"),
            new Opt("class-b", "N", "the class seen up close (high frequencies)"),
            new Opt("sigma", "X", "Gaussian blur sigma separating the two (default 2)"));

    private static final Map<String, Command> ALL = new LinkedHashMap<>();

    static {
        List<String> job = List.of("JOB");
        add(new Command("train", "train [options]", "train a UNet on a dataset", List.of(), 0, concat(TRAIN, SUBMIT),
                "example: bin/diffq train --preset mnist-small --dataset mnist --steps 2000 --wait"));
        add(new Command("sample", "sample JOB [options]", "generate images from a training job's checkpoint", job, 1,
                concat(SAMPLE, SUBMIT), "example: bin/diffq sample JOB --classes 0-9 --per-class 8 --guidance 3 --out diffq-out"));
        add(new Command("inpaint", "inpaint JOB --image FILE --mask FILE [options]", "fill the white part of a mask (RePaint)",
                job, 1, concat(INPAINT, SAMPLE, SUBMIT), "example: bin/diffq inpaint JOB --image digit.png --mask top-half.png --classes 3 --out diffq-out"));
        add(new Command("img2img", "img2img JOB --image FILE [options]", "noise an image part-way and denoise it (SDEdit)",
                job, 1, concat(IMG2IMG, SAMPLE, SUBMIT), "example: bin/diffq img2img JOB --image sketch.png --strength 0.6 --classes 7"));
        add(new Command("anagram", "anagram JOB --class-a A --class-b B [options]", "an image that reads as A upright and B upside down",
                job, 1, concat(ANAGRAM, SAMPLE, SUBMIT), "example: bin/diffq anagram JOB --class-a 6 --class-b 9 --out diffq-out"));
        add(new Command("hybrid", "hybrid JOB --class-a A --class-b B [options]", "an image that reads as A from afar and B up close",
                job, 1, concat(HYBRID, SAMPLE, SUBMIT), "example: bin/diffq hybrid JOB --class-a 1 --class-b 7 --sigma 2"));
        add(new Command("jobs", "jobs [options]", "list jobs, newest first", List.of(), 0, List.of(
                new Opt("state", "S", "only jobs in this state: QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED"),
                new Opt("kind", "K", "only train or sample jobs"),
                new Opt("limit", "N", "jobs per page (default 50)"),
                new Opt("cursor", "C", "start after this cursor (from a previous page)"),
                new Opt("all", null, "follow the pages to the end")), ""));
        add(new Command("show", "show JOB", "a job's spec, state, progress and artifacts", job, 1, List.of(), ""));
        add(new Command("watch", "watch JOB", "follow a job live until it ends; exit 1 unless it SUCCEEDED", job, 1,
                List.of(new Opt("out", "DIR", "download the artifacts into DIR when it succeeds")), ""));
        add(new Command("cancel", "cancel JOB", "cancel a queued or running job", job, 1, List.of(), ""));
        add(new Command("fetch", "fetch JOB [DIR]", "download a job's artifacts (default DIR: diffq-out/JOB)", List.of("JOB", "DIR"), 1,
                List.of(new Opt("kind", "LIST", "only these kinds, e.g. image,grid (kinds: checkpoint image grid gif metrics result spec)"),
                        new Opt("checkpoint", "latest|N", "only the training job's checkpoint at step N (latest: the highest step), "
                                + "straight into DIR (default: diffq-out/JOB/checkpoint-N)")),
                "example: bin/diffq fetch JOB --checkpoint latest model, then bin/diffq engine sample --checkpoint model --out samples"));
        add(new Command("upload", "upload FILE [--name NAME]", "upload an image or mask (PNG/JPEG), or a dataset (.zip, one folder per class)",
                List.of("FILE"), 1, List.of(new Opt("name", "NAME", "dataset name for a .zip (default: the file name); train with --dataset upload:NAME")),
                "an image upload prints its id, which --image and --mask take"));
    }

    private static void add(Command c) {
        List<Opt> options = new ArrayList<>(c.options());
        options.addAll(GLOBAL);
        ALL.put(c.name(), new Command(c.name(), c.usage(), c.summary(), c.positionalNames(), c.minPositional(), List.copyOf(options), c.details()));
    }

    @SafeVarargs
    private static List<Opt> concat(List<Opt>... lists) {
        return Stream.of(lists).flatMap(List::stream).toList();
    }

    static Optional<Command> get(String name) {
        return Optional.ofNullable(ALL.get(name));
    }

    static List<Command> all() {
        return List.copyOf(ALL.values());
    }

    static boolean isSubmit(Command c) {
        return c.option("dry-run").isPresent();
    }

    /** Overview of every command, including those bin/diffq runs itself. */
    static String overview() {
        StringBuilder b = new StringBuilder();
        b.append("usage: bin/diffq COMMAND [options]        (bin/diffq help COMMAND for its options)\n\n");
        b.append("local stack\n");
        row(b, "up [options]", "start Kafka, S3, the coordinator and a worker on this machine (Ctrl-C stops)");
        row(b, "demo", "start the stack if needed, train mnist-small, draw digits into ./diffq-out/");
        row(b, "down", "stop the local stack that up (or demo) started");
        row(b, "engine train|sample|bench ...", "run the diffusion engine directly on local files (no Kafka, no S3)");
        row(b, "build", "build (or rebuild) the jars with Maven");
        row(b, "bench queue [options]", "measure the job system on a stack of its own: submit->start latency,");
        b.append(" ".repeat(36)).append("submissions/s, end-to-end jobs/s (bin/diffq bench queue --help)\n");
        b.append("\njobs\n");
        for (Command c : ALL.values()) {
            row(b, c.usage().replace(" [options]", ""), c.summary());
        }
        b.append("\ncommon options: --url URL (env DIFFQ_URL, default http://127.0.0.1:8080), --token TOKEN (env DIFFQ_TOKEN),\n");
        b.append("  --json (machine-readable output). Exit status: 0 ok, 1 failed or rejected, 2 bad command line, 3 coordinator unreachable.\n");
        return b.toString();
    }

    static String help(Command c) {
        StringBuilder b = new StringBuilder();
        b.append("usage: bin/diffq ").append(c.usage()).append("\n").append(c.summary()).append("\n\n");
        for (Opt o : c.options()) {
            String left = "--" + o.name() + (o.isFlag() ? "" : " " + o.arg());
            row(b, left, o.help());
        }
        if (!c.details().isEmpty()) {
            b.append("\n").append(c.details()).append("\n");
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String left, String right) {
        b.append("  ").append(left);
        int pad = Math.max(1, 34 - left.length());
        if (left.length() >= 34) {
            b.append("\n  ").append(" ".repeat(34));
        } else {
            b.append(" ".repeat(pad));
        }
        b.append(right).append("\n");
    }
}
