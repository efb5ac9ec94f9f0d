package dev.diffq.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.List;
import java.util.Locale;

/**
 * A discrete forward-noising schedule over timesteps {@code t in [0, T)}: betas, alphas and their
 * cumulative products, in double precision on the JVM (T is small, and every consumer needs a few
 * scalars per step, so keeping them off the device avoids host/device round trips for scalars).
 *
 * <p>Kinds:
 * <ul>
 *   <li>{@code linear}: betas linearly spaced from 1e-4 to 0.02 (Ho et al. 2020).</li>
 *   <li>{@code cosine}: alpha-bar(t) = f(t)/f(0), f(t) = cos^2(((t/T + s)/(1 + s)) pi/2), s = 0.008,
 *       betas = 1 - alphaBar(t+1)/alphaBar(t) capped at 0.999 (Nichol and Dhariwal 2021).</li>
 *   <li>{@code sigmoid}: betas = sigmoid(linspace(-6, 6, T)) min-max normalised and then scaled to
 *       [1e-4, 0.02], so the end points are exactly those of the linear schedule and only the shape
 *       differs (slow start, fast middle, slow end). The un-normalised variant would have end points
 *       offset by sigmoid(-6) ~ 0.0025 of the range; normalising makes the kinds comparable.</li>
 * </ul>
 */
public final class NoiseSchedule {

    public static final List<String> KINDS = List.of("linear", "cosine", "sigmoid");
    public static final double BETA_START = 1e-4;
    public static final double BETA_END = 0.02;
    public static final double COSINE_S = 0.008;
    public static final double COSINE_MAX_BETA = 0.999;

    private final String kind;
    private final double[] betas;
    private final double[] alphas;
    private final double[] alphaBars;

    private NoiseSchedule(String kind, double[] betas) {
        this.kind = kind;
        this.betas = betas;
        int n = betas.length;
        this.alphas = new double[n];
        this.alphaBars = new double[n];
        double cumulative = 1.0;
        for (int i = 0; i < n; i++) {
            alphas[i] = 1.0 - betas[i];
            cumulative *= alphas[i];
            alphaBars[i] = cumulative;
        }
    }

    public static NoiseSchedule create(String kind, int timesteps) {
        if (kind == null) {
            throw new IllegalArgumentException("schedule kind is null: choose one of " + String.join(", ", KINDS));
        }
        if (timesteps < 1) {
            throw new IllegalArgumentException("timesteps must be >= 1, got " + timesteps);
        }
        String k = kind.trim().toLowerCase(Locale.ROOT);
        double[] betas = switch (k) {
            case "linear" -> linearBetas(timesteps);
            case "cosine" -> cosineBetas(timesteps);
            case "sigmoid" -> sigmoidBetas(timesteps);
            default -> throw new IllegalArgumentException(
                    "unknown schedule kind '" + kind + "': choose one of " + String.join(", ", KINDS));
        };
        return new NoiseSchedule(k, betas);
    }

    private static double[] linearBetas(int n) {
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = n == 1 ? BETA_START : BETA_START + (BETA_END - BETA_START) * i / (n - 1);
        }
        return b;
    }

    private static double cosineF(double t, int n) {
        double c = Math.cos((t / n + COSINE_S) / (1 + COSINE_S) * Math.PI / 2);
        return c * c;
    }

    private static double[] cosineBetas(int n) {
        double[] b = new double[n];
        double f0 = cosineF(0, n);
        for (int i = 0; i < n; i++) {
            double abT = cosineF(i, n) / f0;
            double abNext = cosineF(i + 1, n) / f0;
            b[i] = Math.min(1.0 - abNext / abT, COSINE_MAX_BETA);
        }
        return b;
    }

    private static double[] sigmoidBetas(int n) {
        double[] b = new double[n];
        if (n == 1) {
            b[0] = BETA_START;
            return b;
        }
        double lo = sigmoid(-6), hi = sigmoid(6);
        for (int i = 0; i < n; i++) {
            double x = -6.0 + 12.0 * i / (n - 1);
            double unit = (sigmoid(x) - lo) / (hi - lo);
            b[i] = BETA_START + (BETA_END - BETA_START) * unit;
        }
        return b;
    }

    private static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    public String kind() {
        return kind;
    }

    public int timesteps() {
        return betas.length;
    }

    private int check(int t) {
        if (t < 0 || t >= betas.length) {
            throw new IllegalArgumentException("timestep t must be in [0, " + betas.length + "), got " + t);
        }
        return t;
    }

    public double beta(int t) {
        return betas[check(t)];
    }

    public double alpha(int t) {
        return alphas[check(t)];
    }

    public double alphaBar(int t) {
        return alphaBars[check(t)];
    }

    /** alpha-bar before step t: 1 at t = 0 (no noise yet). */
    public double alphaBarPrev(int t) {
        return check(t) == 0 ? 1.0 : alphaBars[t - 1];
    }

    /** Timesteps of an NDArray as Java ints (rounded when float), each checked against [0, T). */
    public int[] timestepsOf(NDArray t) {
        long[] raw = t.getDataType().isFloating()
                ? toLongRounded(t.toType(DataType.FLOAT64, false).toDoubleArray())
                : t.toType(DataType.INT64, false).toLongArray();
        int[] out = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] < 0 || raw[i] >= betas.length) {
                throw new IllegalArgumentException("timestep t[" + i + "] must be in [0, " + betas.length + "), got " + raw[i]);
            }
            out[i] = (int) raw[i];
        }
        return out;
    }

    private static long[] toLongRounded(double[] d) {
        long[] out = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = Math.round(d[i]);
        }
        return out;
    }

    /** alpha-bar per element of t ([N] timesteps) as a float32 [N] array on t's manager and device. */
    public NDArray alphaBarAt(NDArray t) {
        int[] ts = timestepsOf(t);
        float[] ab = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            ab[i] = (float) alphaBars[ts[i]];
        }
        return onDeviceOf(t, ab);
    }

    /** Per-sample float32 [N] array built from a Java function of the timestep, on t's manager and device. */
    public NDArray perTimestep(NDArray t, java.util.function.IntToDoubleFunction f) {
        int[] ts = timestepsOf(t);
        float[] v = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            v[i] = (float) f.applyAsDouble(ts[i]);
        }
        return onDeviceOf(t, v);
    }

    static NDArray onDeviceOf(NDArray like, float[] values) {
        NDArray a = like.getManager().create(values);
        return a.getDevice().equals(like.getDevice()) ? a : a.toDevice(like.getDevice(), false);
    }

    /** Reshapes a per-sample [N] array to [N, 1, 1, ...] so that it broadcasts against {@code like}. */
    public static NDArray broadcastable(NDArray perSample, NDArray like) {
        int rank = like.getShape().dimension();
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, 1);
        dims[0] = perSample.size();
        return perSample.reshape(new Shape(dims));
    }

    /** x_t = sqrt(alphaBar_t) x0 + sqrt(1 - alphaBar_t) noise, per sample. */
    public NDArray qSample(NDArray x0, NDArray noise, NDArray t) {
        NDArray ab = broadcastable(alphaBarAt(t), x0);
        return x0.mul(ab.sqrt()).add(noise.mul(ab.neg().add(1f).sqrt()));
    }

    /** Variance of q(x_{t-1} | x_t, x_0): beta_t (1 - alphaBar_{t-1}) / (1 - alphaBar_t); 0 at t = 0. */
    public double posteriorVariance(int t) {
        return betas[check(t)] * (1.0 - alphaBarPrev(t)) / (1.0 - alphaBars[t]);
    }

    /** Mean of q(x_{t-1} | x_t, x_0) = coef_x0 x0 + coef_xt x_t; returns {coef_x0, coef_xt}. */
    public double[] posteriorMeanCoefs(int t) {
        check(t);
        double abPrev = alphaBarPrev(t);
        double oneMinusAb = 1.0 - alphaBars[t];
        return new double[] {
                betas[t] * Math.sqrt(abPrev) / oneMinusAb,
                (1.0 - abPrev) * Math.sqrt(alphas[t]) / oneMinusAb
        };
    }

    /** Signal-to-noise ratio alphaBar_t / (1 - alphaBar_t). */
    public double snr(int t) {
        double ab = alphaBars[check(t)];
        return ab / (1.0 - ab);
    }

    @Override
    public String toString() {
        return "NoiseSchedule[" + kind + ", T=" + betas.length + "]";
    }
}
