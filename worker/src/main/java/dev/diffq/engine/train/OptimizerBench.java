package dev.diffq.engine.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import dev.diffq.engine.model.UNet;
import dev.diffq.engine.model.UNetConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of one optimizer update of a preset's parameters, apart from the forward and backward pass: AdamW on
 * every parameter, Muon as the trainer runs it (matrices of one shape orthogonalized in one batched product, long
 * ones via their Gram matrix), the same without the Gram iteration, and Muon one matrix at a time. The four
 * alternate within one process, so a busy machine slows them alike; the median of the rounds is reported.
 *
 * <pre>bin/diffq engine bench-optimizer [--preset mnist-small] [--rounds 8] [--iters 10]</pre>
 */
public final class OptimizerBench {

    /** Milliseconds per update (wall clock, median over rounds) and the Muon matrices' count and shapes. */
    public record Result(String preset, int muonMatrices, int muonShapes, double adamwMs, double muonMs,
            double muonDirectMs, double muonPerMatrixMs, int threads) {

        public String toJson() {
            return String.format(Locale.ROOT, "{\"preset\":\"%s\",\"muon_matrices\":%d,\"muon_shapes\":%d,"
                    + "\"adamw_ms\":%.2f,\"muon_ms\":%.2f,\"muon_direct_ms\":%.2f,\"muon_per_matrix_ms\":%.2f,"
                    + "\"threads\":%d}",
                    preset, muonMatrices, muonShapes, adamwMs, muonMs, muonDirectMs, muonPerMatrixMs, threads);
        }
    }

    private OptimizerBench() {}

    public static Result run(String preset, int rounds, int iters) {
        if (rounds < 1 || iters < 1) {
            throw new IllegalArgumentException("rounds and iters must be >= 1, got " + rounds + " and " + iters);
        }
        UNetConfig cfg = UNetConfig.preset(preset);
        try (NDManager manager = NDManager.newBaseManager()) {
            UNet net = new UNet(cfg);
            Checkpoint.initialize(net, manager, cfg);
            List<String> names = new ArrayList<>(net.getParameters().keys());
            List<NDArray> params = net.getParameters().values().stream().map(Parameter::getArray).toList();
            List<Shape> shapes = params.stream().map(NDArray::getShape).toList();
            boolean[] flags = new boolean[params.size()];
            for (int i = 0; i < flags.length; i++) {
                flags[i] = Muon.appliesTo(names.get(i), shapes.get(i));
            }
            List<NDArray> grads = new ArrayList<>();
            List<NDArray> momenta = new ArrayList<>();
            for (NDArray p : params) {
                grads.add(manager.randomNormal(p.getShape()).mul(1e-3f));
                momenta.add(manager.zeros(p.getShape()));
            }
            // one Muon per matrix, iterating on the matrices: the update before same-shape matrices were batched
            List<Muon> alone = new ArrayList<>();
            for (int i = 0; i < flags.length; i++) {
                if (flags[i]) {
                    boolean[] one = new boolean[flags.length];
                    one[i] = true;
                    alone.add(new Muon(shapes, one, Integer.MAX_VALUE));
                }
            }
            Muon grouped = new Muon(shapes, flags);
            Muon direct = new Muon(shapes, flags, Integer.MAX_VALUE); // batched, never via the Gram matrix
            double lr = 1e-5; // small, so the parameters barely move over the rounds
            double[][] ms = new double[4][rounds];
            try (AdamW adamw = new AdamW(manager, params, 0.0, 0.99)) {
                for (int r = 0; r < rounds; r++) {
                    ms[0][r] = time(iters, grads, () -> adamw.step(params, grads, lr));
                    ms[1][r] = time(iters, grads, () -> grouped.step(params, grads, momenta, lr, 0.0));
                    ms[2][r] = time(iters, grads, () -> direct.step(params, grads, momenta, lr, 0.0));
                    ms[3][r] = time(iters, grads, () -> alone.forEach(m -> m.step(params, grads, momenta, lr, 0.0)));
                }
            }
            return new Result(preset, alone.size(), grouped.groupCount(), median(ms[0]), median(ms[1]), median(ms[2]),
                    median(ms[3]), JniUtils.getNumThreads());
        }
    }

    /** Milliseconds per call of {@code update}, gradients refilled before each (an update clears them). */
    private static double time(int iters, List<NDArray> grads, Runnable update) {
        double total = 0;
        for (int k = 0; k < iters; k++) {
            grads.forEach(g -> g.addi(1e-3f));
            grads.get(0).sum().getFloat(); // the refill is done before the clock starts
            long start = System.nanoTime();
            update.run();
            grads.get(grads.size() - 1).sum().getFloat(); // and the update before it stops
            total += (System.nanoTime() - start) / 1e6;
        }
        return total / iters;
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    public static void main(String[] args) {
        String preset = "mnist-small";
        int rounds = 8;
        int iters = 10;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (i + 1 >= args.length) {
                usage(flag + " needs a value");
            }
            String value = args[++i];
            try {
                switch (flag) {
                    case "--preset" -> preset = value;
                    case "--rounds" -> rounds = Integer.parseInt(value);
                    case "--iters" -> iters = Integer.parseInt(value);
                    default -> usage("unknown argument '" + flag + "'");
                }
            } catch (NumberFormatException e) {
                usage(flag + " must be an integer, got '" + value + "'");
            }
        }
        System.out.println(run(preset, rounds, iters).toJson());
    }

    private static void usage(String problem) {
        System.err.println("OptimizerBench: " + problem);
        System.err.println("usage: OptimizerBench [--preset P] [--rounds N] [--iters N]");
        System.exit(2);
    }
}
