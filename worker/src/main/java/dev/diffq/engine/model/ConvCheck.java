package dev.diffq.engine.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks the engine's float32 convolution on this machine against float64, which libtorch computes without oneDNN on
 * CPU: each layer shape once as the raw libtorch call and once through {@link Conv}, with its channel padding (see
 * there). Raw faults say what this machine's libtorch gets wrong; a fault through Conv means the padding does not
 * cover this machine and training or sampling would be wrong here. {@code bin/diffq engine check-conv} runs it.
 */
public final class ConvCheck {
    /** Largest |float32 - float64| accepted, relative to the float64 result's largest magnitude, plus the same absolute. */
    static final double TOLERANCE = 1e-5;

    /** One layer shape and what was wrong in it; {@code raw*} without Conv's padding, the others through Conv. */
    public record Row(int in, int out, int kernel, int stride, boolean rawForward, boolean rawInputGradient,
            boolean forward, boolean inputGradient, boolean weightGradient) {
        public boolean convWrong() {
            return forward || inputGradient || weightGradient;
        }

        public boolean rawWrong() {
            return rawForward || rawInputGradient;
        }
    }

    public record Report(List<Row> rows, int size, int batch, String device) {
        public long rawWrong() {
            return rows.stream().filter(Row::rawWrong).count();
        }

        public long convWrong() {
            return rows.stream().filter(Row::convWrong).count();
        }
    }

    private ConvCheck() {}

    /** Every in x out pair of {@code channels}, for each kernel/stride pair, on size x size inputs of {@code batch}. */
    public static Report run(int[] channels, int[][] kernelStrides, int size, int batch, Device device, int seed) {
        List<Row> rows = new ArrayList<>();
        Engine.getInstance().setRandomSeed(seed);
        for (int[] ks : kernelStrides) {
            for (int in : channels) {
                for (int out : channels) {
                    rows.add(check(in, out, ks[0], ks[1], size, batch, device));
                }
            }
        }
        return new Report(rows, size, batch, device.toString());
    }

    static Row check(int in, int out, int kernel, int stride, int size, int batch, Device device) {
        try (NDManager m = NDManager.newBaseManager(device)) {
            Conv conv = new Conv(in, out, kernel, stride, false);
            conv.initialize(m, DataType.FLOAT32, new Shape(1, in, size, size));
            ParameterStore ps = new ParameterStore(m, false);
            NDArray w = conv.getParameters().get("weight").getArray();
            NDArray b = conv.getParameters().get("bias").getArray();
            int outSize = conv.outSize(size);
            NDArray x = m.randomNormal(new Shape(batch, in, size, size));
            NDArray r = m.randomNormal(new Shape(batch, out, outSize, outSize));

            // float64 reference: result, input gradient, weight gradient of L = sum(conv(x) * r)
            NDArray x64 = x.toType(DataType.FLOAT64, false);
            NDArray w64 = w.stopGradient().toType(DataType.FLOAT64, false);
            x64.setRequiresGradient(true);
            w64.setRequiresGradient(true);
            NDArray y64;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                y64 = conv.convolve(x64, w64, b.toType(DataType.FLOAT64, false));
                c.backward(y64.mul(r.toType(DataType.FLOAT64, false)).sum());
            }
            // copies: a new GradientCollector zeroes every gradient there is
            NDArray inputGrad64 = x64.getGradient().duplicate();
            NDArray weightGrad64 = w64.getGradient().duplicate();

            NDArray xr = x.duplicate();
            xr.setRequiresGradient(true);
            NDArray raw;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                raw = conv.convolve(xr, w.stopGradient(), b.stopGradient()); // leaves w's gradient alone
                c.backward(raw.mul(r).sum());
            }
            boolean rawForward = wrong(y64, raw);
            boolean rawInput = wrong(inputGrad64, xr.getGradient());

            NDArray xc = x.duplicate();
            xc.setRequiresGradient(true);
            NDArray trained;
            try (GradientCollector c = Engine.getInstance().newGradientCollector()) {
                trained = conv.apply(ps, xc, true);
                c.backward(trained.mul(r).sum());
            }
            NDArray inference = conv.apply(ps, x, false);
            boolean forward = wrong(y64, trained) || wrong(y64, inference);
            return new Row(in, out, kernel, stride, rawForward, rawInput, forward,
                    wrong(inputGrad64, xc.getGradient()), wrong(weightGrad64, w.getGradient()));
        }
    }

    /** True when {@code actual} is not within tolerance of {@code expected} (NaN counts as wrong). */
    static boolean wrong(NDArray expected, NDArray actual) {
        NDArray e = expected.stopGradient();
        double error = actual.stopGradient().toType(DataType.FLOAT64, false).sub(e).abs().max().getDouble();
        double scale = e.abs().max().getDouble();
        return !(error <= TOLERANCE * scale + TOLERANCE);
    }
}
