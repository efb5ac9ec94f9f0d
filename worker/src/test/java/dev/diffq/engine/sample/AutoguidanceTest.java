package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffq.engine.schedule.Objective;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.diffq.engine.sample.GuidanceTest.IMAGE;
import static dev.diffq.engine.sample.GuidanceTest.NULL_CLASS;
import static dev.diffq.engine.sample.GuidanceTest.SCHEDULE;
import static dev.diffq.engine.sample.GuidanceTest.epsPerImage;
import static dev.diffq.engine.sample.GuidanceTest.noisy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Autoguidance against exact point-mass models: the main model denoises towards one image per class, the guide
 * towards another, so every estimate has a known answer. */
class AutoguidanceTest {

    static NDManager manager;
    /** The guide's per-class images (last = null class): different from the main model's. */
    static final float[][] GUIDE_TARGETS = {GuidanceTest.image(4), GuidanceTest.image(5), GuidanceTest.image(6)};

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** The guide's exact eps for each image of xt under labels[i]. */
    static NDArray guideEps(NDManager m, NDArray xt, int t, int... labels) {
        NDArray[] parts = new NDArray[labels.length];
        for (int i = 0; i < labels.length; i++) {
            parts[i] = GuidanceTest.epsFor(m, xt.get(i + ":" + (i + 1)), t, GUIDE_TARGETS, labels[i]);
        }
        return NDArrayStack.stack(m, parts);
    }

    /** A guide that records the labels it was asked for; it answers in v (the main model answers in eps). */
    static final class RecordingGuide implements Denoiser {
        final AnalyticDenoisers.Counting inner = new AnalyticDenoisers.Counting(
                AnalyticDenoisers.pointMass(SCHEDULE, Objective.V, GUIDE_TARGETS, IMAGE));
        final List<long[]> labels = new ArrayList<>();

        @Override
        public NDArray predict(NDArray xt, NDArray t, NDArray l) {
            labels.add(l.toLongArray());
            return inner.predict(xt, t, l);
        }
    }

    static AnalyticDenoisers.Counting main() {
        return new AnalyticDenoisers.Counting(
                AnalyticDenoisers.pointMass(SCHEDULE, Objective.EPS, GuidanceTest.TARGETS, IMAGE));
    }

    @Test
    void theEstimateIsPushedAwayFromTheGuidesEstimateOfTheSameClass() {
        try (NDManager m = manager.newSubManager()) {
            AnalyticDenoisers.Counting d = main();
            RecordingGuide guide = new RecordingGuide();
            NDArray xt = noisy(m, 2);
            long[] labels = {0, 1};
            int t = 40;
            NDArray cond = epsPerImage(m, xt, t, 0, 1);
            NDArray uncond = epsPerImage(m, xt, t, 2, 2);
            NDArray g = guideEps(m, xt, t, 0, 1);

            // w = 1: the conditional estimate alone, pushed away from the guide's: g + 2 (c - g)
            GuidedEstimator auto = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, 1.0, X0Processing.NONE)
                    .withAutoguidance(new Autoguidance(guide, Objective.V, 2.0));
            NDArray eps = auto.guidedEps(xt, t);
            assertTrue(eps.allClose(g.add(cond.sub(g).mul(2f)), 1e-4, 1e-4, false), "c + (2 - 1)(c - g)");
            assertEquals(2, d.lastBatch, "the main model: conditional half only");
            assertEquals(1, guide.inner.calls.get());
            assertArrayEquals(labels, guide.labels.get(0), "the guide is asked for the same classes");
            assertEquals(2, auto.forwardCalls(), "one forward of each model");

            // on top of classifier-free guidance: u + 3 (c - u) + 1.5 (c - g)
            NDArray both = GuidedEstimator.of(d, SCHEDULE, Objective.EPS, NULL_CLASS, labels, 3.0, X0Processing.NONE)
                    .withAutoguidance(new Autoguidance(guide, Objective.V, 2.5)).guidedEps(xt, t);
            NDArray expected = uncond.add(cond.sub(uncond).mul(3f)).add(cond.sub(g).mul(1.5f));
            assertTrue(both.allClose(expected, 1e-4, 1e-4, false), "CFG plus autoguidance");
            assertFalse(both.allClose(uncond.add(cond.sub(uncond).mul(3f)), 1e-2, 1e-2, false), "the push is not zero");
        }
    }

    @Test
    void unconditionalSamplesAreGuidedByTheGuidesUnconditionalEstimate() {
        try (NDManager m = manager.newSubManager()) {
            RecordingGuide guide = new RecordingGuide();
            NDArray xt = noisy(m, 2);
            int t = 25;
            NDArray eps = GuidedEstimator.of(main(), SCHEDULE, Objective.EPS, NULL_CLASS, null, 3.0, X0Processing.NONE)
                    .withAutoguidance(new Autoguidance(guide, Objective.V, 3.0)).guidedEps(xt, t);
            NDArray u = epsPerImage(m, xt, t, 2, 2);
            NDArray gu = guideEps(m, xt, t, 2, 2);
            assertTrue(eps.allClose(u.add(u.sub(gu).mul(2f)), 1e-4, 1e-4, false));
            assertArrayEquals(new long[] {NULL_CLASS, NULL_CLASS}, guide.labels.get(0));
        }
    }

    @Test
    void anagramViewsAreEachGuidedAndTheRotatedPushIsRotatedBack() {
        try (NDManager m = manager.newSubManager()) {
            RecordingGuide guide = new RecordingGuide();
            NDArray xt = noisy(m, 1);
            int t = 60;
            NDArray eps = GuidedEstimator.anagram(main(), SCHEDULE, Objective.EPS, NULL_CLASS, 1, 0, 1, 1.0, X0Processing.NONE)
                    .withAutoguidance(new Autoguidance(guide, Objective.V, 2.0)).guidedEps(xt, t);
            assertEquals(1, guide.inner.calls.get(), "both views in one forward of the guide");
            assertArrayEquals(new long[] {0, 1}, guide.labels.get(0));
            NDArray rotated = GuidedEstimator.rotate180(xt);
            NDArray upright = GuidanceTest.epsFor(m, xt, t, 0).mul(2f).sub(guideEps(m, xt, t, 0));
            NDArray flipped = GuidedEstimator.rotate180(
                    GuidanceTest.epsFor(m, rotated, t, 1).mul(2f).sub(guideEps(m, rotated, t, 1)));
            assertTrue(eps.allClose(upright.add(flipped).mul(0.5f), 1e-3, 1e-3, false));
        }
    }

    @Test
    void weightOneIsOffAndNeedsNoGuideCall() {
        try (NDManager m = manager.newSubManager()) {
            RecordingGuide guide = new RecordingGuide();
            NDArray xt = noisy(m, 2);
            GuidedEstimator est = GuidedEstimator.of(main(), SCHEDULE, Objective.EPS, NULL_CLASS, new long[] {0, 1}, 1.0,
                    X0Processing.NONE).withAutoguidance(new Autoguidance(guide, Objective.V, 1.0));
            assertTrue(est.guidedEps(xt, 30).allClose(epsPerImage(m, xt, 30, 0, 1), 1e-5, 1e-5, false));
            assertEquals(0, guide.inner.calls.get());
            assertEquals(1, est.forwardCalls());
        }
        assertThrows(IllegalArgumentException.class, () -> new Autoguidance(null, Objective.EPS, 2));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> new Autoguidance(new RecordingGuide(), Objective.EPS, Double.NaN));
        assertTrue(nan.getMessage().contains("guide weight"), nan.getMessage());
    }

    @Test
    void thePipelineRefusesAGuideWeightWithoutAGuideAndUsesOneWhenGiven(@TempDir Path dir) {
        try (NDManager m = manager.newSubManager()) {
            SamplingPipeline plain = new SamplingPipeline(main(), SCHEDULE, Objective.EPS, NULL_CLASS, 1, 6);
            SampleRequest req = SampleRequest.builder().classes(List.of(0, 1)).perClass(1).steps(3).guidance(1)
                    .guideWeight(2).build();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> plain.run(req, dir.resolve("a"), m, null, null));
            assertTrue(e.getMessage().contains("guideWeight 2.0 needs a guide model"), e.getMessage());

            RecordingGuide guide = new RecordingGuide();
            SampleResult r = plain.withGuide(guide, Objective.V).run(req, dir.resolve("b"), m, null, null);
            assertEquals(2, r.images().size());
            assertEquals(3, guide.inner.calls.get(), "one guide forward per step");
            assertEquals(6, r.modelEvaluations(), "main and guide forwards are both counted");
            // without a guide weight the guide is never asked
            plain.withGuide(guide, Objective.V).run(req.toBuilder().guideWeight(1).build(), dir.resolve("c"), m, null, null);
            assertEquals(3, guide.inner.calls.get());

            IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
                    () -> req.toBuilder().guideWeight(Double.POSITIVE_INFINITY).build().validate(100, NULL_CLASS));
            assertTrue(inf.getMessage().startsWith("guideWeight must be a finite number"), inf.getMessage());
        }
    }
}
