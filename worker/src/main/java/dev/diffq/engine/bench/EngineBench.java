package dev.diffq.engine.bench;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.diffq.engine.model.ForwardBudget;
import dev.diffq.engine.model.UNet;
import dev.diffq.engine.model.UNetConfig;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Throughput of the UNet on one device: a DDPM training step (forward, MSE against the noise, backward,
 * AdamW update through a DJL Trainer) and a no-grad forward pass, both at batch B, with the achieved
 * FLOP rate next to the machine's measured float32 matmul rate.
 *
 * <pre>java ... dev.diffq.engine.bench.EngineBench --preset mnist-small --batch 64 [--iters 5] [--device cpu|gpu:0] [--json]</pre>
 */
public final class EngineBench {

    private static final int WARMUP = 2;
    private static final int TIMESTEPS = 1000;

    /** One benchmark run. FLOPs count convolutions and linear layers; a training step is taken as 3 forwards. */
    public record BenchResult(
            String preset,
            long params,
            int batch,
            double trainImgPerSec,
            double sampleImgPerSec,
            double msPerTrainStep,
            double forwardMs,
            double achievedGflopsTrain,
            double achievedGflopsForward,
            double matmulGflops,
            int threads,
            long peakRssMb,
            double cpuMsPerTrainStep,
            double cpuMsForward,
            int imagesPerPass) {

        public String toJson() {
            return String.format(Locale.ROOT,
                    "{\"preset\":\"%s\",\"params\":%d,\"batch\":%d,\"train_img_s\":%.2f,\"sample_img_s\":%.2f,"
                            + "\"ms_per_train_step\":%.1f,\"forward_ms\":%.1f,\"achieved_gflops_train\":%.2f,"
                            + "\"achieved_gflops_forward\":%.2f,\"matmul_gflops\":%.2f,\"threads\":%d,\"peak_rss_mb\":%d,"
                            + "\"cpu_ms_per_train_step\":%.1f,\"cpu_ms_forward\":%.1f,\"images_per_pass\":%d}",
                    preset, params, batch, trainImgPerSec, sampleImgPerSec, msPerTrainStep, forwardMs,
                    achievedGflopsTrain, achievedGflopsForward, matmulGflops, threads, peakRssMb,
                    cpuMsPerTrainStep, cpuMsForward, imagesPerPass);
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%s (%,d params) batch %d: train %.1f img/s (%.0f ms/step, %.1f GFLOP/s), "
                            + "forward %.1f img/s (%.0f ms, %.1f GFLOP/s); matmul %.1f GFLOP/s; %d threads; peak RSS %d MB",
                    preset, params, batch, trainImgPerSec, msPerTrainStep, achievedGflopsTrain, sampleImgPerSec,
                    forwardMs, achievedGflopsForward, matmulGflops, threads, peakRssMb);
        }
    }

    private EngineBench() {}

    /**
     * Runs the benchmark. Besides wall-clock rates it reports process CPU time per step and per forward:
     * on a shared machine, CPU time at one thread ({@code -Dai.djl.pytorch.num_threads=1}) is the stable
     * number to compare engines by, since wall time depends on what else runs.
     */
    public static BenchResult run(String preset, int batch, int iters, Device device) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch must be >= 1, got " + batch);
        }
        if (iters < 1) {
            throw new IllegalArgumentException("iters must be >= 1, got " + iters);
        }
        UNetConfig cfg = UNetConfig.preset(preset);
        UNet net = new UNet(cfg);
        double gflopForwardPerImage = 2.0 * net.macsPerImage() / 1e9;
        Shape imageShape = new Shape(batch, cfg.inChannels(), cfg.imageSize(), cfg.imageSize());
        // as the trainer and the sampler run it: in pieces of at most this many images
        int imagesPerPass = ForwardBudget.imagesPerPass(cfg, device);
        List<NDIndex> pieces = ForwardBudget.pieces(batch, imagesPerPass);

        double matmulGflops = matmulGflops(device);
        double msPerStep;
        double forwardMs;
        double cpuMsPerStep;
        double cpuMsForward;
        try (Model model = Model.newInstance("engine-bench", device)) {
            model.setBlock(net);
            DefaultTrainingConfig training = new DefaultTrainingConfig(Loss.l2Loss())
                    .optDevices(new Device[] {device})
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-4f)).build());
            try (Trainer trainer = model.newTrainer(training)) {
                trainer.initialize(net.inputShapes(batch));
                for (int i = 0; i < WARMUP; i++) {
                    trainStep(trainer, cfg, imageShape, pieces);
                }
                long cpuStart = processCpuNanos();
                long start = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    trainStep(trainer, cfg, imageShape, pieces);
                }
                msPerStep = (System.nanoTime() - start) / 1e6 / iters;
                cpuMsPerStep = (processCpuNanos() - cpuStart) / 1e6 / iters;

                for (int i = 0; i < WARMUP; i++) {
                    forward(trainer, cfg, imageShape, pieces);
                }
                cpuStart = processCpuNanos();
                start = System.nanoTime();
                for (int i = 0; i < iters; i++) {
                    forward(trainer, cfg, imageShape, pieces);
                }
                forwardMs = (System.nanoTime() - start) / 1e6 / iters;
                cpuMsForward = (processCpuNanos() - cpuStart) / 1e6 / iters;
            }
        }
        double trainImgPerSec = batch * 1000.0 / msPerStep;
        double sampleImgPerSec = batch * 1000.0 / forwardMs;
        return new BenchResult(preset, net.parameterCount(), batch, trainImgPerSec, sampleImgPerSec, msPerStep,
                forwardMs, trainImgPerSec * 3 * gflopForwardPerImage, sampleImgPerSec * gflopForwardPerImage,
                matmulGflops, JniUtils.getNumThreads(), peakRssMb(), cpuMsPerStep, cpuMsForward,
                ForwardBudget.pieceSize(batch, imagesPerPass));
    }

    /** One DDPM step on random data: x_t, t, labels, noise; loss = mean((eps_pred - noise)^2), in the trainer's
     * pieces. */
    private static void trainStep(Trainer trainer, UNetConfig cfg, Shape imageShape, List<NDIndex> pieces) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDList inputs = randomInputs(step, cfg, imageShape);
            NDArray noise = step.randomNormal(imageShape);
            NDArray loss = null;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                for (NDIndex range : pieces) {
                    NDArray predicted = trainer.forward(piece(inputs, range)).singletonOrThrow();
                    loss = predicted.sub(noise.get(range)).square().sum().div((float) imageShape.size());
                    collector.backward(loss);
                }
            }
            trainer.step();
            loss.getFloat(); // waits for the device
        }
    }

    private static void forward(Trainer trainer, UNetConfig cfg, Shape imageShape, List<NDIndex> pieces) {
        try (NDManager step = trainer.getManager().newSubManager()) {
            NDList inputs = randomInputs(step, cfg, imageShape);
            NDArray out = null;
            for (NDIndex range : pieces) {
                out = trainer.evaluate(piece(inputs, range)).singletonOrThrow();
            }
            out.get(0, 0, 0, 0).getFloat(); // waits for the device
        }
    }

    private static NDList piece(NDList inputs, NDIndex range) {
        NDList p = new NDList(inputs.size());
        for (NDArray a : inputs) {
            p.add(a.get(range));
        }
        return p;
    }

    private static NDList randomInputs(NDManager manager, UNetConfig cfg, Shape imageShape) {
        long n = imageShape.get(0);
        NDArray x = manager.randomNormal(imageShape);
        NDArray t = manager.randomInteger(0, TIMESTEPS, new Shape(n), DataType.INT64).toType(DataType.FLOAT32, false);
        NDArray labels = manager.randomInteger(0, cfg.numClasses() + 1, new Shape(n), DataType.INT64);
        return new NDList(x, t, labels);
    }

    /** Float32 matmul rate of this device: 1024x1024 by 1024x1024, best of a few runs. */
    static double matmulGflops(Device device) {
        try (NDManager manager = NDManager.newBaseManager(device)) {
            NDArray a = manager.randomNormal(new Shape(1024, 1024));
            NDArray b = manager.randomNormal(new Shape(1024, 1024));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 8; i++) {
                try (NDManager scope = manager.newSubManager()) {
                    long start = System.nanoTime();
                    NDArray c = a.matMul(b);
                    c.get(0, 0).getFloat();
                    best = Math.min(best, (System.nanoTime() - start) / 1e9);
                    c.close();
                }
            }
            return 2.0 * 1024 * 1024 * 1024 / best / 1e9;
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is not available. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public static void main(String[] args) {
        String preset = null;
        int batch = -1;
        int iters = 5;
        Device device = Device.cpu();
        boolean json = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--preset" -> preset = value(args, ++i, "--preset");
                case "--batch" -> batch = intValue(args, ++i, "--batch");
                case "--iters" -> iters = intValue(args, ++i, "--iters");
                case "--device" -> device = device(value(args, ++i, "--device"));
                case "--json" -> json = true;
                default -> usage("unknown argument '" + args[i] + "'");
            }
        }
        if (preset == null) {
            usage("--preset is required (" + String.join(", ", UNetConfig.PRESETS) + ")");
        }
        if (batch < 1) {
            usage("--batch is required and must be >= 1");
        }
        BenchResult result = run(preset, batch, iters, device);
        System.out.println(json ? result.toJson() : result.toString());
    }

    private static Device device(String name) {
        if (name.equals("cpu")) {
            return Device.cpu();
        }
        if (name.matches("gpu:\\d+")) {
            return Device.gpu(Integer.parseInt(name.substring(4)));
        }
        usage("--device must be cpu or gpu:N, got '" + name + "'");
        return null;
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static int intValue(String[] args, int i, String flag) {
        String v = value(args, i, flag);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            usage(flag + " must be an integer, got '" + v + "'");
            return -1;
        }
    }

    private static void usage(String problem) {
        System.err.println("EngineBench: " + problem);
        System.err.println("usage: EngineBench --preset P --batch B [--iters N] [--device cpu|gpu:0] [--json]");
        System.exit(2);
    }
}
