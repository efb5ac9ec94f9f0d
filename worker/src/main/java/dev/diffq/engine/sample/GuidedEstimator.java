package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Turns a {@link Denoiser} into the per-step estimate samplers use:
 * <ol>
 *   <li>classifier-free guidance eps = eps_u + w (eps_c - eps_u) (Ho and Salimans 2022), optionally only in a
 *       {@link GuidanceInterval} of noise levels, with every
 *       conditional and unconditional branch of the step in ONE batched forward (concatenate, call
 *       the denoiser once, split). w = 1 needs only the conditional branch and w = 0 only the
 *       unconditional, so those skip the other half;</li>
 *   <li>optionally split by spatial frequency ({@link FrequencyGuidance}): the low-pass of eps_c - eps_u gets w,
 *       the rest its own weight;</li>
 *   <li>multi-view combinations: visual anagrams (Geng et al. 2024: class a upright and class b on the
 *       image rotated 180 degrees, noise estimates averaged after rotating back) and hybrid images
 *       (low-pass of class a's estimate plus high-pass of class b's);</li>
 *   <li>optionally {@link Autoguidance}: each view's estimate is pushed away from a weaker guide model's estimate
 *       of the same input and class (one more batched forward, of the guide);</li>
 *   <li>x0 = (x_t - sqrt(1 - ab) eps) / sqrt(ab), clipped or thresholded; when that changes x0, eps is
 *       recomputed from it so the sampler's two inputs stay consistent.</li>
 * </ol>
 * Guidance is applied in eps space; since eps is affine in the model output with weights that sum to
 * one, that equals guiding the raw v output.
 */
public final class GuidedEstimator implements Estimator {

    public enum Combination { SINGLE, ANAGRAM, HYBRID }

    /** One view of x: optionally rotated by 180 degrees, conditioned on per-image labels (null = unconditional). */
    record View(boolean rotated, long[] labels) {
    }

    private final Denoiser denoiser;
    private final NoiseSchedule schedule;
    private final Objective objective;
    private final long nullClass;
    private final double guidance;
    private final X0Processing x0Processing;
    private final Combination combination;
    private final List<View> views;
    private final double blurSigma;
    private final GuidanceInterval interval;
    private final FrequencyGuidance frequencies;
    private final Autoguidance autoguidance;
    private long forwardCalls;

    private GuidedEstimator(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                            double guidance, X0Processing x0Processing, Combination combination,
                            List<View> views, double blurSigma, GuidanceInterval interval,
                            FrequencyGuidance frequencies, Autoguidance autoguidance) {
        if (!Double.isFinite(guidance)) {
            throw new IllegalArgumentException("guidance must be a finite number, got " + guidance);
        }
        this.denoiser = denoiser;
        this.schedule = schedule;
        this.objective = objective;
        this.nullClass = nullClass;
        this.guidance = guidance;
        this.x0Processing = x0Processing;
        this.combination = combination;
        this.views = views;
        this.blurSigma = blurSigma;
        this.interval = interval;
        this.frequencies = frequencies;
        this.autoguidance = autoguidance;
    }

    /** The same estimator with guidance applied only at the noise levels of {@code interval}. */
    public GuidedEstimator withGuidanceInterval(GuidanceInterval interval) {
        return new GuidedEstimator(denoiser, schedule, objective, (int) nullClass, guidance, x0Processing, combination,
                views, blurSigma, interval, frequencies, autoguidance);
    }

    /** The same estimator with its guidance split by spatial frequency ({@code null} = plain guidance). */
    public GuidedEstimator withFrequencyGuidance(FrequencyGuidance frequencies) {
        return new GuidedEstimator(denoiser, schedule, objective, (int) nullClass, guidance, x0Processing, combination,
                views, blurSigma, interval, frequencies == null ? FrequencyGuidance.OFF : frequencies, autoguidance);
    }

    /** The same estimator guided away from a weaker model too ({@code null} or weight 1 = off). */
    public GuidedEstimator withAutoguidance(Autoguidance autoguidance) {
        return new GuidedEstimator(denoiser, schedule, objective, (int) nullClass, guidance, x0Processing, combination,
                views, blurSigma, interval, frequencies, autoguidance != null && autoguidance.active() ? autoguidance : null);
    }

    /** The guidance weight at step t: w inside the interval, the interval's outside weight (by default 1, the
     * conditional estimate) outside it, or its weight below it where it sets one. w = 0 and w = 1 ignore the interval. */
    double guidanceAt(int t) {
        if (guidance == 0 || guidance == 1 || interval.appliesAtSnr(schedule.snr(t))) {
            return guidance;
        }
        return belowWeightAt(t).orElse(interval.outsideWeight());
    }

    /** The interval's weight for every frequency at step t, if t lies below an interval that sets one (w = 0 and
     * w = 1 ignore the interval). */
    private OptionalDouble belowWeightAt(int t) {
        return guidance == 0 || guidance == 1 ? OptionalDouble.empty() : interval.belowWeightAtSnr(schedule.snr(t));
    }

    /** The guidance weight of the high frequencies at step t: with a {@link FrequencyGuidance}, its high weight at
     * every step (the interval decides the low-pass weight only) except below an interval that sets a weight there;
     * without one, the same as {@link #guidanceAt}. */
    double highGuidanceAt(int t) {
        return frequencies.active() ? belowWeightAt(t).orElse(frequencies.highWeight()) : guidanceAt(t);
    }

    /** Plain (class-conditional when labels != null, else unconditional) estimate. */
    public static GuidedEstimator of(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                                     long[] labels, double guidance, X0Processing x0Processing) {
        return new GuidedEstimator(denoiser, schedule, objective, nullClass, guidance, x0Processing,
                Combination.SINGLE, List.of(new View(false, labels == null ? null : labels.clone())), 0,
                GuidanceInterval.ALWAYS, FrequencyGuidance.OFF, null);
    }

    /** Visual anagram of a batch of n images: upright reads as classA, rotated 180 degrees as classB. */
    public static GuidedEstimator anagram(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                                          int n, int classA, int classB, double guidance, X0Processing x0Processing) {
        return new GuidedEstimator(denoiser, schedule, objective, nullClass, guidance, x0Processing,
                Combination.ANAGRAM, List.of(new View(false, fill(n, classA)), new View(true, fill(n, classB))), 0,
                GuidanceInterval.ALWAYS, FrequencyGuidance.OFF, null);
    }

    /** Hybrid image of a batch of n images: classA in the low frequencies, classB in the high. */
    public static GuidedEstimator hybrid(Denoiser denoiser, NoiseSchedule schedule, Objective objective, int nullClass,
                                         int n, int classA, int classB, double guidance, double blurSigma,
                                         X0Processing x0Processing) {
        if (!(blurSigma > 0)) {
            throw new IllegalArgumentException("blurSigma must be > 0, got " + blurSigma);
        }
        return new GuidedEstimator(denoiser, schedule, objective, nullClass, guidance, x0Processing,
                Combination.HYBRID, List.of(new View(false, fill(n, classA)), new View(false, fill(n, classB))), blurSigma,
                GuidanceInterval.ALWAYS, FrequencyGuidance.OFF, null);
    }

    private static long[] fill(int n, long value) {
        long[] a = new long[n];
        Arrays.fill(a, value);
        return a;
    }

    /** How many times a model has been called: one per step whatever the guidance and views, two with autoguidance
     * (the guide is a second model, so a second forward). */
    public long forwardCalls() {
        return forwardCalls;
    }

    public static NDArray rotate180(NDArray x) {
        return x.flip(2, 3);
    }

    /** The guided, combined noise estimate at (xt, t), before any x0 processing. */
    public NDArray guidedEps(NDArray xt, int t) {
        int n = (int) xt.getShape().get(0);
        double w = guidanceAt(t);
        double wHigh = highGuidanceAt(t);
        boolean needCond = w != 0 || wHigh != 0;
        boolean needUncondWithCond = w != 1 || wHigh != 1;
        NDArray[] rotatedInput = new NDArray[2];
        List<NDArray> inputs = new ArrayList<>();
        List<long[]> labels = new ArrayList<>();
        int[] condSlot = new int[views.size()];
        int[] uncondSlot = {-1, -1};
        for (int i = 0; i < views.size(); i++) {
            View v = views.get(i);
            int r = v.rotated() ? 1 : 0;
            boolean conditional = v.labels() != null && needCond;
            if (conditional) {
                condSlot[i] = inputs.size();
                inputs.add(input(xt, r, rotatedInput));
                labels.add(check(v.labels(), n));
            } else {
                condSlot[i] = -1;
            }
            if ((!conditional || needUncondWithCond) && uncondSlot[r] < 0) {
                uncondSlot[r] = -2; // placed after the conditional slots below
            }
        }
        for (int r = 0; r < 2; r++) {
            if (uncondSlot[r] == -2) {
                uncondSlot[r] = inputs.size();
                inputs.add(input(xt, r, rotatedInput));
                labels.add(fill(n, nullClass));
            }
        }
        NDManager m = xt.getManager();
        NDArray x = inputs.size() == 1 ? inputs.get(0) : NDArrays.concat(new NDList(inputs));
        long[] allLabels = new long[inputs.size() * n];
        for (int s = 0; s < labels.size(); s++) {
            System.arraycopy(labels.get(s), 0, allLabels, s * n, n);
        }
        NDArray labelArray = m.create(allLabels);
        NDArray tArray = m.create(fill(inputs.size() * n, t));
        NDArray epsAll = epsOf(denoiser, objective, x, tArray, labelArray);
        NDList parts = inputs.size() == 1 ? new NDList(epsAll) : epsAll.split(inputs.size());

        NDArray[] perView = new NDArray[views.size()];
        for (int i = 0; i < views.size(); i++) {
            int r = views.get(i).rotated() ? 1 : 0;
            NDArray e;
            if (condSlot[i] < 0) {
                e = parts.get(uncondSlot[r]);
            } else if (uncondSlot[r] < 0) {
                e = parts.get(condSlot[i]);
            } else {
                NDArray u = parts.get(uncondSlot[r]);
                NDArray c = parts.get(condSlot[i]);
                NDArray d = c.sub(u);
                if (wHigh == w) {
                    e = u.add(d.mul((float) w));
                } else {
                    // c + (w - 1) low(d) + (wHigh - 1) (d - low(d)), with one blur
                    e = c.add(d.mul((float) (wHigh - 1))).add(GaussianBlur.lowPass(d, frequencies.lowPassSigma())
                            .mul((float) (w - wHigh)));
                }
            }
            perView[i] = r == 1 ? rotate180(e) : e;
        }
        if (autoguidance != null) {
            autoguide(xt, t, perView, parts, condSlot, uncondSlot, rotatedInput);
        }
        return switch (combination) {
            case SINGLE -> perView[0];
            case ANAGRAM -> perView[0].add(perView[1]).mul(0.5f);
            // low(a) + high(b) = b + low(a - b): one blur, linear.
            case HYBRID -> perView[1].add(GaussianBlur.lowPass(perView[0].sub(perView[1]), blurSigma));
        };
    }

    /** One model call, its output checked and converted to eps. */
    private NDArray epsOf(Denoiser model, Objective meaning, NDArray x, NDArray tArray, NDArray labelArray) {
        forwardCalls++;
        NDArray out = model.predict(x, tArray, labelArray);
        if (!out.getShape().equals(x.getShape())) {
            throw new IllegalStateException("denoiser returned shape " + out.getShape() + " for input " + x.getShape());
        }
        return meaning.toEps(schedule, x, out, tArray);
    }

    /**
     * Adds (weight - 1) (main - guide) to each view's estimate, where main is the view's own conditional (or, when
     * it has none, unconditional) estimate and guide is the guide model's, with the same labels, in one batched call.
     */
    private void autoguide(NDArray xt, int t, NDArray[] perView, NDList parts, int[] condSlot, int[] uncondSlot,
                           NDArray[] rotatedInput) {
        int n = (int) xt.getShape().get(0);
        List<NDArray> inputs = new ArrayList<>();
        long[] guideLabels = new long[views.size() * n];
        for (int i = 0; i < views.size(); i++) {
            View v = views.get(i);
            inputs.add(input(xt, v.rotated() ? 1 : 0, rotatedInput));
            long[] l = condSlot[i] >= 0 ? v.labels() : fill(n, nullClass);
            System.arraycopy(l, 0, guideLabels, i * n, n);
        }
        NDManager m = xt.getManager();
        NDArray x = inputs.size() == 1 ? inputs.get(0) : NDArrays.concat(new NDList(inputs));
        NDArray guideEps = epsOf(autoguidance.guide(), autoguidance.objective(), x, m.create(fill(inputs.size() * n, t)),
                m.create(guideLabels));
        NDList guides = inputs.size() == 1 ? new NDList(guideEps) : guideEps.split(inputs.size());
        float k = (float) (autoguidance.weight() - 1);
        for (int i = 0; i < views.size(); i++) {
            boolean rotated = views.get(i).rotated();
            NDArray main = parts.get(condSlot[i] >= 0 ? condSlot[i] : uncondSlot[rotated ? 1 : 0]);
            NDArray push = main.sub(guides.get(i)).mul(k);
            perView[i] = perView[i].add(rotated ? rotate180(push) : push);
        }
    }

    private static NDArray input(NDArray xt, int rotation, NDArray[] cache) {
        if (rotation == 0) {
            return xt;
        }
        if (cache[1] == null) {
            cache[1] = rotate180(xt);
        }
        return cache[1];
    }

    private static long[] check(long[] labels, int n) {
        if (labels.length != n) {
            throw new IllegalArgumentException("labels cover " + labels.length + " images but the batch has " + n);
        }
        return labels;
    }

    @Override
    public Prediction estimate(NDArray xt, int t) {
        NDArray eps = guidedEps(xt, t);
        double ab = schedule.alphaBar(t);
        float a = (float) Math.sqrt(ab), s = (float) Math.sqrt(1 - ab);
        NDArray x0 = xt.sub(eps.mul(s)).div(a);
        if (!x0Processing.active()) {
            return new Prediction(eps, x0);
        }
        NDArray processed = x0Processing.apply(x0);
        NDArray consistentEps = xt.sub(processed.mul(a)).div(s);
        return new Prediction(consistentEps, processed);
    }
}
