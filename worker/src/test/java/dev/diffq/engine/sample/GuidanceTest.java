package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuidanceTest {

    static NDManager manager;
    static final Shape IMAGE = new Shape(1, 6, 6);
    static final NoiseSchedule SCHEDULE = NoiseSchedule.create("linear", 100);
    static final int NULL_CLASS = 2;
    /** Class 0, class 1 and the null class each denoise towards their own image. */
    static final float[][] TARGETS = {image(1), image(2), image(3)};

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static float[] image(int seed) {
        float[] p = new float[(int) IMAGE.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = (float) Math.cos(seed * 2.3 + i * 0.37 * seed) * 0.9f;
        }
        return p;
    }

    /** eps of the point-mass denoiser for one label, computed directly (the reference). */
    static NDArray epsFor(NDManager m, NDArray xt, int t, int label) {
        return epsFor(m, xt, t, TARGETS, label);
    }

    /** The same for a point-mass model with other per-class images. */
    static NDArray epsFor(NDManager m, NDArray xt, int t, float[][] targets, int label) {
        double ab = SCHEDULE.alphaBar(t);
        NDArray target = m.create(targets[label], IMAGE).expandDims(0);
        return xt.sub(target.mul((float) Math.sqrt(ab))).div((float) Math.sqrt(1 - ab));
    }

    /** The reference eps of each image i of xt under labels[i], stacked. */
    static NDArray epsPerImage(NDManager m, NDArray xt, int t, int... labels) {
        NDArray[] parts = new NDArray[labels.length];
        for (int i = 0; i < labels.length; i++) {
            parts[i] = epsFor(m, xt.get(i + ":" + (i + 1)), t, labels[i]);
        }
        return NDArrayStack.stack(m, parts);
    }

    static NDArray noisy(NDManager m, int n) {
        return new NoiseSource(3).batch(m, SamplerTest.indices(n), 0, IMAGE);
    }

    @Test
    void guidanceZeroIsUnconditionalOneIsConditionalAndOthersExtrapolateInOneForward() {
        for (Objective obj : Objective.values()) {
            try (NDManager m = manager.newSubManager()) {
                AnalyticDenoisers.Counting d = new AnalyticDenoisers.Counting(
                        AnalyticDenoisers.pointMass(SCHEDULE, obj, TARGETS, IMAGE));
                NDArray xt = noisy(m, 3);
                long[] labels = {0, 1, 0};
                int t = 40;
                NDArray uncond = epsPerImage(m, xt, t, 2, 2, 2);
                NDArray cond = epsPerImage(m, xt, t, 0, 1, 0);

                NDArray w0 = GuidedEstimator.of(d, SCHEDULE, obj, NULL_CLASS, labels, 0.0, X0Processing.NONE).guidedEps(xt, t);
                assertTrue(w0.allClose(uncond, 1e-4, 1e-4, false), obj + " w=0 is the unconditional estimate");
                assertEquals(3, d.lastBatch, "w=0 needs only the unconditional half");

                NDArray w1 = GuidedEstimator.of(d, SCHEDULE, obj, NULL_CLASS, labels, 1.0, X0Processing.NONE).guidedEps(xt, t);
                assertTrue(w1.allClose(cond, 1e-4, 1e-4, false), obj + " w=1 is the conditional estimate");
                assertEquals(3, d.lastBatch, "w=1 needs only the conditional half");

                int before = d.calls.get();
                GuidedEstimator guided = GuidedEstimator.of(d, SCHEDULE, obj, NULL_CLASS, labels, 2.5, X0Processing.NONE);
                NDArray w25 = guided.guidedEps(xt, t);
                assertEquals(before + 1, d.calls.get(), "one forward for both halves");
                assertEquals(6, d.lastBatch, "conditional and unconditional halves batched together");
                assertEquals(1, guided.forwardCalls());
                NDArray expected = uncond.add(cond.sub(uncond).mul(2.5f));
                assertTrue(w25.allClose(expected, 1e-4, 1e-4, false), obj + " eps_u + w (eps_c - eps_u)");
            }
        }
    }

    /** The analytic point-mass denoiser, counting its calls and batch sizes. */
    private static AnalyticDenoisers.Counting countingPointMass() {
        return new AnalyticDenoisers.Counting(AnalyticDenoisers.pointMass(SCHEDULE, Objective.EPS, TARGETS, IMAGE));
    }

    /** The plain eps-objective estimator of the counting point-mass denoiser at weight w. */
    private static GuidedEstimator guided(AnalyticDenoisers.Counting d, long[] labels, double w) {
        return GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, w, X0Processing.NONE);
    }

    /** Guidance 3 where sigma <= 1, the weight {@code outside} elsewhere. */
    private static GuidedEstimator guidedBelowSigmaOne(AnalyticDenoisers.Counting d, long[] labels, double outside) {
        return guided(d, labels, 3.0).withGuidanceInterval(new GuidanceInterval(0, 1.0).withOutsideWeight(outside));
    }

    @Test
    void aGuidanceIntervalGuidesInsideItAndUsesTheConditionalEstimateAloneOutside() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int low = 5, high = 90; // sigma grows with t
            double sigmaLow = sigma(low), sigmaHigh = sigma(high);
            assertTrue(sigmaLow < 1 && sigmaHigh > 1, sigmaLow + " " + sigmaHigh);
            // guide only where sigma <= 1: the low-noise step is guided, the high-noise one is not
            GuidedEstimator est = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, 3.0, X0Processing.NONE)
                    .withGuidanceInterval(new GuidanceInterval(0, 1.0));
            for (int t : new int[] {low, high}) {
                NDArray cond = epsPerImage(m, xt, t, 0, 1);
                NDArray uncond = epsPerImage(m, xt, t, 2, 2);
                NDArray eps = est.guidedEps(xt, t);
                if (t == low) {
                    assertTrue(eps.allClose(uncond.add(cond.sub(uncond).mul(3f)), 1e-4, 1e-4, false), "guided inside");
                    assertEquals(4, d.lastBatch, "both halves inside the interval");
                } else {
                    assertTrue(eps.allClose(cond, 1e-4, 1e-4, false), "conditional alone outside");
                    assertEquals(2, d.lastBatch, "only the conditional half outside the interval");
                }
            }
            // a lower bound: sigma must exceed it
            GuidedEstimator above = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, 3.0, X0Processing.NONE)
                    .withGuidanceInterval(new GuidanceInterval(1.0, 0));
            assertEquals(1.0, above.guidanceAt(low));
            assertEquals(3.0, above.guidanceAt(high));
            // w = 0 stays unconditional everywhere
            GuidedEstimator uncondOnly = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, 0.0, X0Processing.NONE)
                    .withGuidanceInterval(new GuidanceInterval(0, 1.0));
            assertEquals(0.0, uncondOnly.guidanceAt(high));
        }
    }

    @Test
    void aWeightOutsideTheIntervalGuidesThoseStepsWithIt() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int low = 5, high = 90;
            GuidedEstimator est = guidedBelowSigmaOne(d, labels, 1.5);
            assertEquals(3.0, est.guidanceAt(low));
            assertEquals(1.5, est.guidanceAt(high));
            NDArray cond = epsPerImage(m, xt, high, 0, 1);
            NDArray uncond = epsPerImage(m, xt, high, 2, 2);
            NDArray eps = est.guidedEps(xt, high);
            assertTrue(eps.allClose(uncond.add(cond.sub(uncond).mul(1.5f)), 1e-4, 1e-4, false), "w 1.5 outside");
            assertEquals(4, d.lastBatch, "both halves: the step outside is guided too");
        }
        assertEquals(1.0, GuidanceInterval.parse("0,3").outsideWeight());
        assertTrue(GuidanceInterval.parse("0,3").withOutsideWeight(2).toString().contains("w 2.0 outside"));
        assertThrows(IllegalArgumentException.class, () -> new GuidanceInterval(0, 3, Double.NaN));
    }

    @Test
    void aWeightBelowTheIntervalAppliesToEveryFrequencyAtTheStepsBelowIt() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int low = 5, high = 90;
            assertTrue(sigma(low) < 1 && sigma(high) > 1);
            // guided where sigma > 1, the unconditional estimate below; low-pass guidance with weight 2 above it
            GuidanceInterval interval = new GuidanceInterval(1.0, 0).withBelowWeight(0);
            GuidedEstimator est = guided(d, labels, 3.0).withGuidanceInterval(interval)
                    .withFrequencyGuidance(new FrequencyGuidance(1.0, 2.0));
            assertEquals(0.0, est.guidanceAt(low));
            assertEquals(0.0, est.highGuidanceAt(low), "the weight below replaces the high weight there");
            assertEquals(3.0, est.guidanceAt(high));
            assertEquals(2.0, est.highGuidanceAt(high), "inside the interval the detail keeps its own weight");
            NDArray uncondLow = epsPerImage(m, xt, low, 2, 2);
            assertTrue(est.guidedEps(xt, low).allClose(uncondLow, 1e-4, 1e-4, false), "unconditional below the interval");
            assertEquals(2, d.lastBatch, "w 0 below: only the unconditional half is computed");
            NDArray cond = epsPerImage(m, xt, high, 0, 1);
            NDArray uncond = epsPerImage(m, xt, high, 2, 2);
            NDArray diff = cond.sub(uncond);
            NDArray lowPass = GaussianBlur.lowPass(diff, 1.0);
            NDArray expectedHigh = cond.add(lowPass.mul(2f)).add(diff.sub(lowPass).mul(1f));
            assertTrue(est.guidedEps(xt, high).allClose(expectedHigh, 1e-4, 1e-4, false), "split guidance inside");

            // a weight between: eps_u + w (eps_c - eps_u) in every frequency
            GuidedEstimator half = guided(d, labels, 3.0).withGuidanceInterval(interval.withBelowWeight(0.5))
                    .withFrequencyGuidance(new FrequencyGuidance(1.0, 2.0));
            NDArray condLow = epsPerImage(m, xt, low, 0, 1);
            NDArray expected = uncondLow.add(condLow.sub(uncondLow).mul(0.5f));
            assertTrue(half.guidedEps(xt, low).allClose(expected, 1e-4, 1e-4, false), "w 0.5 below");

            // the other steps outside keep the outside weight; w = 1 ignores the interval
            GuidedEstimator both = guided(d, labels, 3.0).withGuidanceInterval(
                    new GuidanceInterval(0.1, 1.0).withOutsideWeight(1.5).withBelowWeight(0));
            int veryLow = 1, middle = 20;
            assertTrue(sigma(veryLow) <= 0.1 && sigma(middle) > 0.1 && sigma(middle) <= 1, sigma(veryLow) + " " + sigma(middle));
            assertEquals(0.0, both.guidanceAt(veryLow));
            assertEquals(3.0, both.guidanceAt(middle));
            assertEquals(1.5, both.guidanceAt(high), "above the interval: the outside weight");
            GuidedEstimator conditional = guided(d, labels, 1.0).withGuidanceInterval(interval);
            assertEquals(1.0, conditional.guidanceAt(low));
        }
        GuidanceInterval i = GuidanceInterval.parse("1,5.4");
        assertTrue(i.belowWeight().isEmpty());
        assertEquals(1.5, i.withBelowWeight(0).withOutsideWeight(1.5).outsideWeight());
        assertEquals(0.0, i.withBelowWeight(0).withOutsideWeight(1.5).belowWeight().getAsDouble(),
                "setting the outside weight keeps a weight below");
        assertTrue(i.withBelowWeight(0).toString().contains("w 0.0 below"), i.withBelowWeight(0).toString());
        IllegalArgumentException noMin = assertThrows(IllegalArgumentException.class,
                () -> GuidanceInterval.parse("0,5.4").withBelowWeight(0));
        assertTrue(noMin.getMessage().contains("sigma min > 0"), noMin.getMessage());
        assertThrows(IllegalArgumentException.class, () -> i.withBelowWeight(Double.POSITIVE_INFINITY));
    }

    @Test
    void frequencyGuidanceGuidesTheLowPassWithWAndTheRestWithItsOwnWeight() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int t = 40;
            NDArray cond = epsPerImage(m, xt, t, 0, 1);
            NDArray uncond = epsPerImage(m, xt, t, 2, 2);
            NDArray diff = cond.sub(uncond);
            NDArray low = GaussianBlur.lowPass(diff, 1.0);

            GuidedEstimator split = guided(d, labels, 3.0)
                    .withFrequencyGuidance(FrequencyGuidance.lowPass(1.0));
            NDArray eps = split.guidedEps(xt, t);
            assertEquals(4, d.lastBatch, "both halves in one forward");
            assertTrue(eps.allClose(cond.add(low.mul(2f)), 1e-4, 1e-4, false), "eps_c + (w - 1) low(eps_c - eps_u)");
            NDArray plain = uncond.add(diff.mul(3f));
            assertFalse(eps.allClose(plain, 1e-3, 1e-3, false), "the detail above the low-pass is not guided");

            NDArray half = guided(d, labels, 3.0)
                    .withFrequencyGuidance(new FrequencyGuidance(1.0, 2.0)).guidedEps(xt, t);
            NDArray expected = cond.add(low.mul(2f)).add(diff.sub(low).mul(1f));
            assertTrue(half.allClose(expected, 1e-4, 1e-4, false), "weight 2 above the low-pass");

            NDArray same = guided(d, labels, 3.0)
                    .withFrequencyGuidance(new FrequencyGuidance(1.0, 3.0)).guidedEps(xt, t);
            assertTrue(same.allClose(plain, 1e-4, 1e-4, false), "the high weight equal to w is plain guidance");
        }
    }

    @Test
    void theIntervalSetsTheLowPassWeightAndTheDetailKeepsItsOwn() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int low = 5, high = 90;
            GuidedEstimator est = guidedBelowSigmaOne(d, labels, 1.5).withFrequencyGuidance(FrequencyGuidance.lowPass(1.0));
            assertEquals(3.0, est.guidanceAt(low));
            assertEquals(1.5, est.guidanceAt(high), "outside: the low-pass takes the outside weight");
            assertEquals(1.0, est.highGuidanceAt(low));
            assertEquals(1.0, est.highGuidanceAt(high), "the detail takes the high weight at every step");
            NDArray cond = epsPerImage(m, xt, high, 0, 1);
            NDArray uncond = epsPerImage(m, xt, high, 2, 2);
            NDArray low15 = GaussianBlur.lowPass(cond.sub(uncond), 1.0).mul(0.5f);
            assertTrue(est.guidedEps(xt, high).allClose(cond.add(low15), 1e-4, 1e-4, false), "eps_c + 0.5 low(d) outside");
            // with the default weight outside, the steps outside are the conditional estimate alone
            GuidedEstimator plainOutside = guided(d, labels, 3.0).withGuidanceInterval(new GuidanceInterval(0, 1.0))
                    .withFrequencyGuidance(FrequencyGuidance.lowPass(1.0));
            assertTrue(plainOutside.guidedEps(xt, high).allClose(cond, 1e-4, 1e-4, false));
            assertEquals(2, d.lastBatch, "only the conditional half outside");
            // w = 1 with the default high weight needs only the conditional half, whatever the split
            GuidedEstimator conditional = guided(d, labels, 1.0).withFrequencyGuidance(FrequencyGuidance.lowPass(1.0));
            assertTrue(conditional.guidedEps(xt, low).allClose(epsPerImage(m, xt, low, 0, 1), 1e-4, 1e-4, false));
            assertEquals(2, d.lastBatch);
        }
        assertFalse(FrequencyGuidance.OFF.active());
        assertTrue(FrequencyGuidance.lowPass(1.5).toString().contains("1.5 px"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FrequencyGuidance(-1, 1));
        assertTrue(e.getMessage().contains("low-pass sigma must be >= 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new FrequencyGuidance(1, Double.POSITIVE_INFINITY));
    }

    @Test
    void guidanceIntervalsParseAndRejectNonsense() {
        assertEquals(new GuidanceInterval(0, 5.4), GuidanceInterval.parse("0,5.4"));
        assertEquals(new GuidanceInterval(0.3, 0), GuidanceInterval.parse("0.3,"));
        assertTrue(GuidanceInterval.parse(",").isAlways());
        assertTrue(GuidanceInterval.ALWAYS.appliesAtSnr(1e6) && GuidanceInterval.ALWAYS.appliesAtSnr(1e-6));
        assertThrows(IllegalArgumentException.class, () -> GuidanceInterval.parse("5"));
        assertThrows(IllegalArgumentException.class, () -> GuidanceInterval.parse("a,b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuidanceInterval.parse("2,1"));
        assertTrue(e.getMessage().contains("must be greater than sigma min"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GuidanceInterval(-1, 0));
    }

    static double sigma(int t) {
        double ab = SCHEDULE.alphaBar(t);
        return Math.sqrt((1 - ab) / ab);
    }

    @Test
    void unconditionalRequestsAskForTheNullClass() {
        try (NDManager m = manager.newSubManager()) {
            Denoiser d = AnalyticDenoisers.pointMass(SCHEDULE, Objective.EPS, TARGETS, IMAGE);
            NDArray xt = noisy(m, 2);
            // guidance is irrelevant without labels
            NDArray eps = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, null, 4.0, X0Processing.NONE).guidedEps(xt, 10);
            NDArray ref = epsPerImage(m, xt, 10, 2, 2);
            assertTrue(eps.allClose(ref, 1e-4, 1e-4, false));
        }
    }

    @Test
    void anagramAveragesUprightClassAWithRotatedClassB() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = new AnalyticDenoisers.Counting(
                    AnalyticDenoisers.pointMass(SCHEDULE, Objective.V, TARGETS, IMAGE));
            NDArray xt = noisy(m, 2);
            int t = 70;
            double w = 3.0;
            GuidedEstimator est = GuidedEstimator.anagram(d, SCHEDULE, Objective.V, NULL_CLASS, 2, 0, 1, w, X0Processing.NONE);
            NDArray eps = est.guidedEps(xt, t);
            assertEquals(1, d.calls.get());
            assertEquals(8, d.lastBatch, "a upright, b rotated, and both unconditional, in one forward");
            NDArray rotated = GuidedEstimator.rotate180(xt);
            NDArray[] upright = new NDArray[2], flipped = new NDArray[2];
            for (int i = 0; i < 2; i++) {
                NDArray x1 = xt.get(i + ":" + (i + 1)), r1 = rotated.get(i + ":" + (i + 1));
                NDArray u = epsFor(m, x1, t, 2), c = epsFor(m, x1, t, 0);
                upright[i] = u.add(c.sub(u).mul((float) w));
                NDArray ur = epsFor(m, r1, t, 2), cr = epsFor(m, r1, t, 1);
                flipped[i] = GuidedEstimator.rotate180(ur.add(cr.sub(ur).mul((float) w)));
            }
            NDArray expected = NDArrayStack.stack(m, upright).add(NDArrayStack.stack(m, flipped)).mul(0.5f);
            assertTrue(eps.allClose(expected, 1e-3, 1e-3, false));
            // rotating really matters: class b's estimate on the upright image differs
            assertFalse(eps.allClose(NDArrayStack.stack(m, upright), 1e-2, 1e-2, false));
        }
    }

    @Test
    void hybridTakesLowFrequenciesFromAAndHighFromB() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = countingPointMass();
            NDArray xt = noisy(m, 2);
            int t = 30;
            NDArray eps = GuidedEstimator.hybrid(d, SCHEDULE, Objective.EPS, NULL_CLASS, 2, 0, 1, 1.0, 1.2, X0Processing.NONE)
                    .guidedEps(xt, t);
            assertEquals(4, d.lastBatch, "w=1: a and b conditional only, in one forward");
            NDArray a = epsPerImage(m, xt, t, 0, 0);
            NDArray b = epsPerImage(m, xt, t, 1, 1);
            NDArray expected = GaussianBlur.lowPass(a, 1.2).add(b.sub(GaussianBlur.lowPass(b, 1.2)));
            assertTrue(eps.allClose(expected, 1e-4, 1e-4, false));
            // with the same class in both roles, the split is the identity
            NDArray same = GuidedEstimator.hybrid(d, SCHEDULE, Objective.EPS, NULL_CLASS, 2, 1, 1, 1.0, 1.2, X0Processing.NONE)
                    .guidedEps(xt, t);
            assertTrue(same.allClose(b, 1e-4, 1e-4, false));
        }
    }

    @Test
    void blurIsANormalisedLowPass() {
        try (NDManager m = manager.newSubManager()) {
            NDArray constant = m.full(new Shape(1, 3, 9, 9), 0.7f);
            assertTrue(GaussianBlur.lowPass(constant, 2.0).allClose(constant, 1e-5, 1e-5, false), "constants pass, borders too");
            // a checkerboard (highest frequency) is strongly attenuated
            float[] board = new float[81];
            for (int i = 0; i < 81; i++) {
                board[i] = ((i / 9 + i % 9) % 2 == 0) ? 1f : -1f;
            }
            NDArray b = m.create(board, new Shape(1, 1, 9, 9));
            float interior = GaussianBlur.lowPass(b, 1.0).get(0, 0, 4, 4).getFloat();
            assertTrue(Math.abs(interior) < 0.05, "checkerboard blurred to ~0, got " + interior);
            assertEquals(1f, sum(GaussianBlur.kernel(1.5)), 1e-6f);
            assertThrows(IllegalArgumentException.class, () -> GaussianBlur.kernel(0));
        }
    }

    @Test
    void blurringABatchIsTheNormalisedConvolutionOfEachImageAndChannelOnItsOwn() {
        try (NDManager m = manager.newSubManager()) {
            // 20 images of 2 channels, not square, so rows and columns cannot be swapped unnoticed
            int n = 20, c = 2, h = 7, w = 9;
            double sigma = 1.0;
            NDArray batch = m.randomNormal(new Shape(n, c, h, w));
            NDArray blurred = GaussianBlur.lowPass(batch, sigma);
            assertEquals(batch.getShape(), blurred.getShape());
            float[] k = GaussianBlur.kernel(sigma);
            int r = k.length / 2;
            for (int i : new int[] {0, 7, 19}) {
                for (int ch = 0; ch < c; ch++) {
                    float[] x = batch.get(i, ch).toFloatArray();
                    float[] got = blurred.get(i, ch).toFloatArray();
                    for (int y = 0; y < h; y++) {
                        for (int xx = 0; xx < w; xx++) {
                            // the 2-D normalised convolution, written out: weights on pixels that exist, divided by their sum
                            double acc = 0, weight = 0;
                            for (int dy = -r; dy <= r; dy++) {
                                for (int dx = -r; dx <= r; dx++) {
                                    int yy = y + dy, xs = xx + dx;
                                    if (yy >= 0 && yy < h && xs >= 0 && xs < w) {
                                        double kw = (double) k[dy + r] * k[dx + r];
                                        acc += kw * x[yy * w + xs];
                                        weight += kw;
                                    }
                                }
                            }
                            assertEquals(acc / weight, got[y * w + xx], 1e-5, "image " + i + " channel " + ch + " at " + y + "," + xx);
                        }
                    }
                }
            }
        }
    }

    private static float sum(float[] k) {
        float s = 0;
        for (float v : k) {
            s += v;
        }
        return s;
    }

    @Test
    void clippingAndDynamicThresholdingBoundX0AndKeepEpsConsistent() {
        try (NDManager m = manager.newSubManager()) {
            NDArray x0 = m.create(new float[] {-3f, -0.5f, 0.2f, 2f, 0.1f, 0.3f, -0.4f, 0.5f}, new Shape(2, 1, 2, 2));
            assertArrayEquals(new float[] {-1f, -0.5f, 0.2f, 1f, 0.1f, 0.3f, -0.4f, 0.5f}, X0Processing.CLIP.apply(x0).toFloatArray());
            // percentile 0.75 of |x0| per sample: sample 0 -> 2 (sorted 0.2 0.5 2 3), sample 1 -> 0.4 -> max(.,1) = 1
            float[] th = new X0Processing(false, 0.75).apply(x0).toFloatArray();
            assertArrayEquals(new float[] {-1f, -0.25f, 0.1f, 1f, 0.1f, 0.3f, -0.4f, 0.5f}, th, 1e-6f);
            assertThrows(IllegalArgumentException.class, () -> new X0Processing(false, 1.0));

            // An estimator that clips must return the eps that matches the clipped x0.
            Denoiser wild = (xt, t, labels) -> xt.mul(-5f);
            NDArray xt = noisy(m, 2);
            Prediction p = GuidedEstimator.of(wild, SCHEDULE, Objective.EPS, NULL_CLASS, null, 1, X0Processing.CLIP).estimate(xt, 50);
            assertTrue(p.x0().max().getFloat() <= 1f && p.x0().min().getFloat() >= -1f);
            double ab = SCHEDULE.alphaBar(50);
            NDArray rebuilt = p.x0().mul((float) Math.sqrt(ab)).add(p.eps().mul((float) Math.sqrt(1 - ab)));
            assertTrue(rebuilt.allClose(xt, 1e-4, 1e-4, false), "x_t = a x0 + s eps still holds");
        }
    }
}
