package dev.diffq.engine.cli;

import dev.diffq.engine.data.Datasets;
import dev.diffq.engine.data.NpmPackageCache;
import dev.diffq.engine.model.UNetConfig;
import dev.diffq.engine.train.Checkpoint;
import dev.diffq.engine.train.DiffusionTrainer;
import dev.diffq.engine.train.TrainConfig;
import dev.diffq.engine.train.TrainListener;
import dev.diffq.engine.train.TrainResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * {@code diffq engine train}: trains a UNet on local data with a live one-line progress bar.
 * Ctrl-C stops at the next step boundary, writes a checkpoint, and {@code --resume} continues from it.
 */
public final class TrainCommand {

    static final String USAGE = String.join("\n",
            "usage: diffq engine train --dataset mnist|fashion-mnist|emoji|<folder> (--steps N | --minutes M) --out DIR [options]",
            "  --preset NAME        model preset: " + String.join(", ", UNetConfig.PRESETS) + " (default mnist-small)",
            "  --dataset D          mnist, fashion-mnist (28x28 grey), emoji (32x32 RGB: --preset rgb32), or a folder with",
            "                       one sub-folder of images per class",
            "  --steps N            stop after N optimizer steps",
            "  --minutes M          stop after M minutes of training (with --steps: whichever comes first)",
            "  --out DIR            output folder: checkpoints/, metrics.jsonl",
            "  --resume             continue from the latest checkpoint in DIR (flags given override its settings)",
            "  --seed S             random seed (default 0)",
            "  --batch B            batch size (default 32)",
            "  --lr X               peak learning rate (default 2e-3)",
            "  --device D           auto, cpu, gpu or gpu:N (default auto)",
            "  --objective eps|v    what the model predicts (default v)",
            "  --loss l2|l1|huber   per-pixel loss on the objective (default l2; huber has delta 1)",
            "  --schedule K         noise schedule: linear, cosine, sigmoid (default cosine)",
            "  --grad-accum K       micro-batches per step (default 1)",
            "  --checkpoint-every N checkpoint every N steps (default 500; also every 10 minutes)",
            "  --log-every N        metrics.jsonl line every N steps (default 10)",
            "  --sample-every N     a grid of every class (samples/grid-step-N.png) every N steps; always one at the end",
            "  --random-flip        random horizontal flips (not for digits)",
            "  --ema D              EMA decay of the weights (default 0.995; 0.999 only pays for runs of many thousand steps)",
            "  --warmup N           learning-rate warm-up steps",
            "  --lr-decay K         constant, cosine, exponential (over --steps, else over --minutes)",
            "  --min-snr G          Min-SNR-gamma loss weighting (default 0 = off; it starves the high-noise steps)",
            "  --adam-beta2 B       AdamW's second-moment decay, in [0.9, 1) (default 0.99)",
            "  --optimizer O        adamw, or muon: Muon for the hidden layers' weight matrices, AdamW for the rest",
            "                       (default muon)",
            "  --label-dropout P    share of labels replaced by the null class, for classifier-free guidance (default 0.1)",
            "  --timestep-shift S   draw training timesteps shifted towards high noise (S > 1) or low noise (S < 1);",
            "                       default 2 (median timestep 667 of 1000); 1 = uniform",
            "  --timestep-draw D    independent: each image's timestep drawn on its own; stratified: one per equal",
            "                       stratum of the batch, so every batch spans the noise range (default stratified)",
            "  --data-dir DIR       dataset cache (default $" + NpmPackageCache.DATA_DIR_ENV + " or ~/.cache/diffq/datasets)");

    private static final Set<String> FLAGS = Set.of("--resume", "--random-flip", "--help", "-h");
    private static final Set<String> OPTIONS = Set.of("--preset", "--dataset", "--steps", "--minutes", "--out", "--seed",
            "--batch", "--lr", "--device", "--objective", "--loss", "--schedule", "--grad-accum", "--checkpoint-every",
            "--log-every", "--sample-every", "--data-dir", "--ema", "--warmup", "--lr-decay", "--min-snr",
            "--adam-beta2", "--optimizer", "--timestep-shift", "--timestep-draw", "--label-dropout");

    private TrainCommand() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Returns the exit status: 0 done (steps or time reached), 1 training failed, 2 usage error, 130 cancelled. */
    public static int run(String[] args, PrintStream out) {
        Map<String, String> opts;
        try {
            opts = parse(args);
        } catch (IllegalArgumentException e) {
            return usageError(out, e.getMessage());
        }
        if (opts.containsKey("--help") || opts.containsKey("-h")) {
            out.println(USAGE);
            return 0;
        }
        TrainConfig config;
        Path outDir;
        NpmPackageCache cache;
        try {
            if (!opts.containsKey("--out")) {
                throw new IllegalArgumentException("--out DIR is required");
            }
            outDir = Path.of(opts.get("--out"));
            cache = opts.containsKey("--data-dir") ? new NpmPackageCache(Path.of(opts.get("--data-dir")))
                    : new NpmPackageCache();
            Path latest = Checkpoint.latest(outDir.resolve(Checkpoint.ROOT_NAME));
            boolean resume = opts.containsKey("--resume");
            if (latest != null && !resume) {
                throw new IllegalArgumentException(outDir + " already holds a training run (latest checkpoint "
                        + latest.getFileName() + "): pass --resume to continue it, or choose another --out");
            }
            if (resume && latest == null) {
                out.println("no checkpoint under " + outDir + ": starting a new run");
            }
            config = buildConfig(opts, resume ? latest : null);
            List<String> violations = config.violations();
            if (!violations.isEmpty()) {
                throw new IllegalArgumentException(String.join("\n", violations));
            }
        } catch (IllegalArgumentException e) {
            return usageError(out, e.getMessage());
        } catch (IOException e) {
            out.println("error: " + e.getMessage());
            return 1;
        }

        AtomicBoolean cancel = new AtomicBoolean();
        CountDownLatch finished = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            cancel.set(true);
            out.println();
            out.println("stopping at the next step boundary and writing a checkpoint...");
            try {
                finished.await(5, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "diffq-train-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        ProgressBar bar = new ProgressBar(out, cancel, outDir, config);
        try {
            out.printf("training %s on %s -> %s (%s, batch %d, lr %g, %s)%n", describeModel(config), config.dataset(),
                    outDir, config.steps() > 0 ? config.steps() + " steps" : config.maxMinutes() + " minutes",
                    config.effectiveBatchSize(), config.learningRate(), config.device());
            TrainResult r = new DiffusionTrainer(cache).train(config, outDir, bar);
            bar.finish();
            out.printf("%s at step %d: loss %.4f, %d images in %s; checkpoint %s%n",
                    r.status().name().toLowerCase(Locale.ROOT).replace('_', ' '), r.step(), r.finalLoss(), r.imagesSeen(),
                    ProgressBar.duration(r.trainingSeconds()), r.checkpoint());
            return r.status() == TrainResult.Status.CANCELLED ? 130 : 0;
        } catch (IllegalArgumentException e) {
            bar.finish();
            out.println("error: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            bar.finish();
            out.println("error: training failed: " + e.getMessage());
            return 1;
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down (Ctrl-C): the hook is waiting for us and returns now
            }
        }
    }

    static TrainConfig buildConfig(Map<String, String> o, Path resumeFrom) throws IOException {
        TrainConfig.Builder b;
        if (resumeFrom != null) {
            TrainConfig saved = Checkpoint.readConfig(resumeFrom);
            if (o.containsKey("--preset") && !UNetConfig.preset(o.get("--preset")).equals(saved.model())
                    && !UNetConfig.preset(o.get("--preset")).withNumClasses(saved.model().numClasses()).equals(saved.model())) {
                throw new IllegalArgumentException("--preset " + o.get("--preset") + " differs from the model of the run in "
                        + resumeFrom.getParent().getParent() + " (" + saved.model() + "): drop --preset to resume it");
            }
            if (o.containsKey("--dataset") && !o.get("--dataset").equals(saved.dataset())) {
                throw new IllegalArgumentException("--dataset " + o.get("--dataset") + " differs from the dataset of the run "
                        + "being resumed (" + saved.dataset() + "): drop --dataset to resume it");
            }
            b = saved.toBuilder(); // limits given now replace the saved ones; the others stay
        } else {
            String dataset = o.get("--dataset");
            if (dataset == null) {
                throw new IllegalArgumentException("--dataset is required (mnist, fashion-mnist, emoji or a folder)");
            }
            if (!o.containsKey("--steps") && !o.containsKey("--minutes")) {
                throw new IllegalArgumentException("give --steps N or --minutes M (or both)");
            }
            UNetConfig model = UNetConfig.preset(o.getOrDefault("--preset", "mnist-small"));
            if (!Datasets.isBuiltIn(dataset)) {
                model = model.withNumClasses(countClassFolders(Path.of(dataset)));
            }
            b = TrainConfig.builder(model, dataset);
        }
        if (o.containsKey("--steps")) {
            b.steps(parseLong(o, "--steps"));
        }
        if (o.containsKey("--minutes")) {
            b.maxMinutes(parseDouble(o, "--minutes"));
        }
        if (o.containsKey("--seed")) {
            b.seed(parseLong(o, "--seed"));
        }
        if (o.containsKey("--batch")) {
            b.batchSize((int) parseLong(o, "--batch"));
        }
        if (o.containsKey("--lr")) {
            b.learningRate(parseDouble(o, "--lr"));
        }
        if (o.containsKey("--device")) {
            b.device(o.get("--device"));
        }
        if (o.containsKey("--objective")) {
            b.objective(o.get("--objective"));
        }
        if (o.containsKey("--loss")) {
            b.loss(o.get("--loss"));
        }
        if (o.containsKey("--schedule")) {
            b.schedule(o.get("--schedule"));
        }
        if (o.containsKey("--grad-accum")) {
            b.gradAccum((int) parseLong(o, "--grad-accum"));
        }
        if (o.containsKey("--checkpoint-every")) {
            b.checkpointEverySteps((int) parseLong(o, "--checkpoint-every"));
        }
        if (o.containsKey("--sample-every")) {
            b.sampleEverySteps((int) parseLong(o, "--sample-every"));
        }
        if (o.containsKey("--log-every")) {
            b.logEverySteps((int) parseLong(o, "--log-every"));
        }
        if (o.containsKey("--random-flip")) {
            b.randomFlip(true);
        }
        if (o.containsKey("--ema")) {
            b.emaDecay(parseDouble(o, "--ema"));
        }
        if (o.containsKey("--warmup")) {
            b.warmupSteps((int) parseLong(o, "--warmup"));
        }
        if (o.containsKey("--lr-decay")) {
            b.lrDecay(o.get("--lr-decay"));
        }
        if (o.containsKey("--min-snr")) {
            b.minSnrGamma(parseDouble(o, "--min-snr"));
        }
        if (o.containsKey("--adam-beta2")) {
            b.adamBeta2(parseDouble(o, "--adam-beta2"));
        }
        if (o.containsKey("--optimizer")) {
            b.optimizer(o.get("--optimizer"));
        }
        if (o.containsKey("--timestep-shift")) {
            b.timestepShift(parseDouble(o, "--timestep-shift"));
        }
        if (o.containsKey("--label-dropout")) {
            b.labelDropout(parseDouble(o, "--label-dropout"));
        }
        if (o.containsKey("--timestep-draw")) {
            String d = o.get("--timestep-draw").trim().toLowerCase(Locale.ROOT);
            if (!d.equals("independent") && !d.equals("stratified")) {
                throw new IllegalArgumentException("--timestep-draw: must be independent or stratified, got '"
                        + o.get("--timestep-draw") + "'");
            }
            b.stratifiedTimesteps(d.equals("stratified"));
        }
        return b.build();
    }

    /** A folder's class count, so a preset fits a folder dataset; bad folders are reported by the loader. */
    private static int countClassFolders(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IllegalArgumentException("--dataset " + folder + ": not mnist, fashion-mnist, emoji or an existing folder");
        }
        try (Stream<Path> s = Files.list(folder)) {
            return (int) s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            if (FLAGS.contains(a)) {
                if (value != null) {
                    throw new IllegalArgumentException(a + " takes no value");
                }
                o.put(a, "true");
            } else if (OPTIONS.contains(a)) {
                if (value == null) {
                    if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    value = args[++i];
                }
                if (o.put(a, value) != null) {
                    throw new IllegalArgumentException(a + " given twice");
                }
            } else {
                unknown.add(args[i]);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown argument(s): " + String.join(" ", unknown));
        }
        return o;
    }

    private static long parseLong(Map<String, String> o, String key) {
        try {
            return Long.parseLong(o.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + o.get(key) + "' is not a whole number");
        }
    }

    private static double parseDouble(Map<String, String> o, String key) {
        try {
            return Double.parseDouble(o.get(key).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + o.get(key) + "' is not a number");
        }
    }

    private static int usageError(PrintStream out, String message) {
        out.println("error: " + message);
        out.println(USAGE);
        return 2;
    }

    private static String describeModel(TrainConfig c) {
        for (String p : UNetConfig.PRESETS) {
            UNetConfig preset = UNetConfig.preset(p);
            if (preset.equals(c.model())) {
                return p;
            }
            if (preset.withNumClasses(c.model().numClasses()).equals(c.model())) {
                return p + " (" + c.model().numClasses() + " classes)";
            }
        }
        return c.model().toString();
    }

    /** One self-overwriting line: step/total, bar, loss, images/s, ETA; redrawn at most 5 times a second. */
    static final class ProgressBar implements TrainListener {
        private static final int WIDTH = 24;
        private final PrintStream out;
        private final AtomicBoolean cancel;
        private long lastDrawNanos;
        private int lastLength;
        private boolean drawn;

        private final Path outDir;
        private final TrainConfig config;

        ProgressBar(PrintStream out, AtomicBoolean cancel, Path outDir, TrainConfig config) {
            this.out = out;
            this.cancel = cancel;
            this.outDir = outDir;
            this.config = config;
        }

        /** Every --sample-every steps and at the end: samples/grid-step-<n>.png drawn with the EMA weights. */
        @Override
        public void onSampleGrid(long step, ai.djl.nn.Block emaModel) {
            Path dir = outDir.resolve("samples/step-" + step);
            Path grid = dev.diffq.engine.TrainingGrid.draw(emaModel, config, dir, null);
            try {
                Path named = outDir.resolve("samples/grid-step-" + step + ".png");
                java.nio.file.Files.copy(grid, named, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                out.print("\r" + pad("sample grid " + named));
                out.println();
                drawn = false;
            } catch (IOException e) {
                out.println("could not write the sample grid: " + e.getMessage());
            }
        }

        @Override
        public void onProgress(long step, long total, double loss, double imagesPerSec, double etaSeconds) {
            long now = System.nanoTime();
            if (drawn && now - lastDrawNanos < 200_000_000L && step != total) {
                return;
            }
            lastDrawNanos = now;
            out.print("\r" + pad(line(step, total, loss, imagesPerSec, etaSeconds)));
            out.flush();
            drawn = true;
        }

        @Override
        public void onCheckpoint(Path dir, long step) {
            out.print("\r" + pad("checkpoint " + dir));
            out.println();
            drawn = false;
        }

        @Override
        public boolean isCancelled() {
            return cancel.get();
        }

        void finish() {
            if (drawn) {
                out.println();
                drawn = false;
            }
        }

        private String pad(String s) {
            String padded = s.length() < lastLength ? s + " ".repeat(lastLength - s.length()) : s;
            lastLength = s.length();
            return padded;
        }

        static String line(long step, long total, double loss, double imagesPerSec, double etaSeconds) {
            double frac = total > 0 ? Math.min(1, (double) step / total) : 0;
            int filled = (int) Math.round(frac * WIDTH);
            String bar = "[" + "=".repeat(filled) + " ".repeat(WIDTH - filled) + "]";
            return String.format(Locale.ROOT, "step %d/%d %s %3.0f%% loss %.4f | %.0f img/s | ETA %s", step, total, bar,
                    frac * 100, loss, imagesPerSec, duration(etaSeconds));
        }

        static String duration(double seconds) {
            if (!Double.isFinite(seconds)) {
                return "?";
            }
            long s = Math.round(seconds);
            if (s >= 3600) {
                return String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60);
            }
            if (s >= 60) {
                return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
            }
            return s + "s";
        }
    }
}
