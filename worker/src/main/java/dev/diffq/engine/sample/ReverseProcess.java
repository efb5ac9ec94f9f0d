package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.CancelledException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The loops that drive a {@link Sampler}: plain sampling, inpainting with RePaint resampling, and the
 * start of image-to-image (SDEdit).
 *
 * <p>Levels: with S descending timesteps ts, level S is ts[0] (the start), level l is ts[S - l] and
 * level 0 is clean data. Each step runs in its own NDManager scope under x's manager, so intermediate
 * arrays are freed every step.
 */
public final class ReverseProcess {

    private ReverseProcess() {
    }

    /**
     * Inpainting condition. known: the image in model space, (1, C, H, W) or (N, C, H, W); mask: 1 where
     * to generate, 0 where to keep, broadcastable to x (e.g. (1, 1, H, W)), binary. Both must stay alive
     * for the whole loop (they are only borrowed).
     */
    public record Inpainting(NDArray known, NDArray mask, int jumpLength, int resample) {
        public Inpainting {
            if (jumpLength < 1) {
                throw new IllegalArgumentException("jumpLength must be >= 1, got " + jumpLength);
            }
            if (resample < 1) {
                throw new IllegalArgumentException("resample must be >= 1 (1 = no resampling), got " + resample);
            }
        }
    }

    /**
     * RePaint's jump schedule over levels (Lugmayr et al. 2022): walk down one level at a time; on
     * arriving at a level l with l % jumpLength == 0 and l + jumpLength < S, go back up jumpLength levels
     * and down again, resample - 1 times. Without resampling it is S, S-1, ..., 0.
     */
    public static int[] levelSchedule(int steps, int jumpLength, int resample) {
        List<Integer> levels = new ArrayList<>();
        int[] jumpsLeft = new int[steps + 1];
        if (resample > 1) {
            for (int l = 0; l + jumpLength < steps; l += jumpLength) {
                jumpsLeft[l] = resample - 1;
            }
        }
        int l = steps;
        levels.add(l);
        while (l > 0) {
            l--;
            levels.add(l);
            if (jumpsLeft[l] > 0) {
                jumpsLeft[l]--;
                for (int j = 0; j < jumpLength; j++) {
                    l++;
                    levels.add(l);
                }
            }
        }
        return levels.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Number of model evaluations (down moves) in a level schedule. */
    public static int evaluations(int[] levels) {
        int n = 0;
        for (int i = 1; i < levels.length; i++) {
            if (levels[i] < levels[i - 1]) {
                n++;
            }
        }
        return n;
    }

    /**
     * Image-to-image (SDEdit, Meng et al. 2022): keeps the last round(strength * S) of the timesteps,
     * so strength 1 starts from (nearly) pure noise and 0 returns the input unchanged.
     */
    public static int[] img2imgTimesteps(int[] timesteps, double strength) {
        if (!(strength >= 0 && strength <= 1)) {
            throw new IllegalArgumentException("strength must be in [0, 1], got " + strength);
        }
        int keep = (int) Math.round(strength * timesteps.length);
        return Arrays.copyOfRange(timesteps, timesteps.length - keep, timesteps.length);
    }

    /** q(x_t | x_0) with per-image noise from stream 0: the start of image-to-image. */
    public static NDArray noised(NDArray image, int t, NoiseSource noise, long[] imageIndices, Sampler sampler, NDManager manager) {
        Shape imageShape = image.getShape().slice(1);
        NDArray z = noise.batch(manager, imageIndices, NoiseSource.INITIAL, imageShape);
        double ab = sampler.alphaBar(t);
        double a = Math.sqrt(ab), s = Math.sqrt(1 - ab);
        // z first, so the result lives in z's (the caller's) manager.
        return z.mul((float) (s / a)).add(image).mul((float) a);
    }

    public static NDArray run(Sampler sampler, NDArray x, int[] timesteps, Estimator estimator, NoiseSource noise,
                              long[] imageIndices, Inpainting inpainting, StepListener listener, BooleanSupplier cancelled) {
        if (timesteps.length == 0) {
            return x;
        }
        for (int i = 1; i < timesteps.length; i++) {
            if (timesteps[i] >= timesteps[i - 1]) {
                throw new IllegalArgumentException("timesteps must be strictly descending: " + Arrays.toString(timesteps));
            }
        }
        if (imageIndices.length != x.getShape().get(0)) {
            throw new IllegalArgumentException(imageIndices.length + " image indices for a batch of " + x.getShape().get(0));
        }
        int steps = timesteps.length;
        int[] levels = inpainting == null
                ? levelSchedule(steps, 1, 1)
                : levelSchedule(steps, inpainting.jumpLength(), inpainting.resample());
        int total = evaluations(levels);
        StepListener l = listener == null ? StepListener.NONE : listener;
        NDManager outer = x.getManager();
        Shape imageShape = x.getShape().slice(1);
        sampler.reset(outer);
        int done = 0;
        for (int move = 0; move + 1 < levels.length; move++) {
            if (cancelled != null && cancelled.getAsBoolean()) {
                throw new CancelledException("sampling cancelled after " + done + " of " + total + " steps");
            }
            int from = levels[move], to = levels[move + 1];
            int t = level(timesteps, from), tNext = level(timesteps, to);
            long moveIndex = move;
            try (NDManager scope = outer.newSubManager()) {
                x.attach(scope);
                Supplier<NDArray> stepNoise = () -> noise.batch(scope, imageIndices, NoiseSource.stepStream(moveIndex, 0), imageShape);
                NDArray next;
                if (to < from) {
                    Prediction p = estimator.estimate(x, t);
                    next = sampler.step(x, t, tNext, p, stepNoise);
                    if (inpainting != null) {
                        next = pasteKnown(next, inpainting, tNext, sampler,
                                () -> noise.batch(scope, imageIndices, NoiseSource.stepStream(moveIndex, 1), imageShape));
                    }
                    done++;
                    l.onStep(done, total, t, next, p.x0());
                } else {
                    // Back up one level: x_high ~ q(x_high | x_low); multistep history no longer applies.
                    sampler.reset(outer);
                    double ratio = sampler.alphaBar(tNext) / sampler.alphaBar(t);
                    next = x.mul((float) Math.sqrt(ratio)).add(stepNoise.get().mul((float) Math.sqrt(1 - ratio)));
                }
                next.attach(outer);
                x = next;
            }
        }
        sampler.reset(outer);
        return x;
    }

    private static int level(int[] timesteps, int level) {
        return level == 0 ? Sampler.CLEAN : timesteps[timesteps.length - level];
    }

    /** x = known_t + mask (x - known_t), with known_t ~ q(x_t | known) (the known image itself when clean). */
    private static NDArray pasteKnown(NDArray x, Inpainting in, int t, Sampler sampler, Supplier<NDArray> noise) {
        NDArray knownT;
        if (t == Sampler.CLEAN) {
            knownT = x.zerosLike().add(in.known());
        } else {
            double ab = sampler.alphaBar(t);
            double a = Math.sqrt(ab), s = Math.sqrt(1 - ab);
            knownT = noise.get().mul((float) (s / a)).add(in.known()).mul((float) a);
        }
        // Operands ordered so results land in the step scope, not in the borrowed arrays' manager.
        return x.sub(knownT).mul(in.mask()).add(knownT);
    }
}
