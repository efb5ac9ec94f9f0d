package dev.diffq.runtime.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.diffq.contract.SamplingProfile;
import dev.diffq.contract.SamplingProfiles;
import dev.diffq.contract.SpecDefaults;
import dev.diffq.engine.sample.FrequencyGuidance;
import dev.diffq.engine.sample.GuidanceInterval;
import dev.diffq.engine.sample.SampleRequest;
import dev.diffq.proto.SampleSpec;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class SpecMappingTest {

    private static SampleRequest map(SampleSpec.Builder spec) {
        SampleSpec s = SpecDefaults.normalize(spec.setCheckpointJob("j").addClasses(3).build());
        return SpecMapping.sample(s, 7, SpecMapping.shard(s, 0, 1), null, null, 8);
    }

    @Test
    void theGuidanceIntervalAndTheWeightOutsideItReachTheRequest() {
        SampleRequest r = map(SampleSpec.newBuilder().setGuidanceSigmaMax(3).setGuidanceOutside(1.5f));
        assertEquals(new GuidanceInterval(0, 3, 1.5), r.guidanceInterval());
        assertEquals(3.0, r.guidance(), 1e-6);
    }

    @Test
    void withoutAWeightOutsideTheIntervalTheConditionalEstimateIsUsedThere() {
        assertEquals(new GuidanceInterval(0.5, 3, 1), map(SampleSpec.newBuilder().setGuidanceSigmaMin(0.5f)
                .setGuidanceSigmaMax(3)).guidanceInterval());
        // an interval of 0,0: guidance at every step; none given: the sampling profile's
        assertEquals(GuidanceInterval.ALWAYS, map(SampleSpec.newBuilder().setGuidanceSigmaMin(0).setGuidanceSigmaMax(0))
                .guidanceInterval());
        SamplingProfile fast = SamplingProfiles.get(SamplingProfiles.FAST, SamplingProfiles.DIGITS).orElseThrow();
        assertEquals(new GuidanceInterval(fast.guidanceSigmaMin(), fast.guidanceSigmaMax()),
                map(SampleSpec.newBuilder()).guidanceInterval());
    }

    @Test
    void aWeightBelowTheIntervalReachesTheRequestOnlyWhenGiven() {
        assertEquals(new GuidanceInterval(1, 4.5).withBelowWeight(0), map(SampleSpec.newBuilder().setGuidanceSigmaMin(1)
                .setGuidanceSigmaMax(4.5f).setGuidanceBelow(0)).guidanceInterval());
        assertEquals(OptionalDouble.empty(), map(SampleSpec.newBuilder().setGuidanceSigmaMin(1)
                .setGuidanceSigmaMax(4.5f)).guidanceInterval().belowWeight());
    }

    @Test
    void frequencyGuidanceReachesTheRequestAndIsOffAtZero() {
        assertEquals(new FrequencyGuidance(1.5, 1), map(SampleSpec.newBuilder().setGuidanceLowpassSigma(1.5f))
                .frequencyGuidance());
        assertEquals(new FrequencyGuidance(1, 2), map(SampleSpec.newBuilder().setGuidanceLowpassSigma(1)
                .setGuidanceHigh(2)).frequencyGuidance());
        FrequencyGuidance none = map(SampleSpec.newBuilder().setGuidanceLowpassSigma(0)).frequencyGuidance();
        assertEquals(FrequencyGuidance.OFF, none);
        assertEquals(false, none.active());
        assertEquals(FrequencyGuidance.lowPass(SamplingProfiles.get(SamplingProfiles.FAST, SamplingProfiles.DIGITS)
                .orElseThrow().guidanceLowpassSigma()), map(SampleSpec.newBuilder()).frequencyGuidance(), "the profile's");
    }

    @Test
    void theGuideWeightReachesTheRequestOnlyWithAGuideStep() {
        assertEquals(2.5, map(SampleSpec.newBuilder().setGuideCheckpointStep(1000).setGuideWeight(2.5f)).guideWeight());
        // a weight without a guide step cannot reach the engine (which would fail the job for want of a guide)
        assertEquals(1, map(SampleSpec.newBuilder().setGuideWeight(2.5f)).guideWeight());
        assertEquals(1, map(SampleSpec.newBuilder()).guideWeight());
    }
}
