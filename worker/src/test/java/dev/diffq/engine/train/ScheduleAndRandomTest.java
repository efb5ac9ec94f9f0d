package dev.diffq.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.diffq.engine.model.UNetConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ScheduleAndRandomTest {

    @Test
    void warmupIsLinearThenCosineFallsToZero() {
        LrSchedule s = new LrSchedule(1e-3, 10, 110, "cosine");
        assertEquals(1e-4, s.at(0), 1e-12);
        assertEquals(5e-4, s.at(4), 1e-12);
        assertEquals(1e-3, s.at(9), 1e-12);
        assertEquals(1e-3, s.at(10), 1e-12);
        assertEquals(0.5e-3, s.at(60), 1e-12); // half way through the decay
        assertTrue(s.at(109) > 0 && s.at(109) < 1e-6);
        assertEquals(0, s.at(110), 1e-12);
        for (int i = 11; i < 110; i++) {
            assertTrue(s.at(i) < s.at(i - 1), "cosine must fall monotonically at step " + i);
        }
    }

    @Test
    void timeBoundCosineFollowsTrainingTime() {
        // 0 steps, 100 s: the decay ignores the step count once warm-up is over
        LrSchedule s = new LrSchedule(1e-3, 5, 0, 100.0, "cosine");
        assertTrue(s.byTime());
        assertEquals(2e-4, s.at(0, 0), 1e-12);
        assertEquals(1e-3, s.at(5, 0), 1e-12);
        assertEquals(0.5e-3, s.at(5, 50), 1e-12);
        assertEquals(0.5e-3, s.at(5_000, 50), 1e-12);
        assertEquals(0, s.at(6, 100), 1e-12);
        assertEquals(0, s.at(6, 250), 1e-12);
        // with a step count, steps win and time is ignored
        LrSchedule bySteps = new LrSchedule(1e-3, 0, 100, 100.0, "cosine");
        assertFalse(bySteps.byTime());
        assertEquals(0.5e-3, bySteps.at(50, 99), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new LrSchedule(1e-3, 0, 0, 0, "cosine"));
    }

    @Test
    void exponentialAndConstantDecays() {
        LrSchedule e = new LrSchedule(2e-3, 0, 100, "exponential");
        assertEquals(2e-3, e.at(0), 1e-12);
        assertEquals(2e-3 * Math.sqrt(0.01), e.at(50), 1e-12);
        assertEquals(2e-5, e.at(100), 1e-12);
        LrSchedule c = new LrSchedule(2e-3, 4, 0, "constant");
        assertEquals(1e-3, c.at(1), 1e-12);
        assertEquals(2e-3, c.at(1_000_000), 1e-12);
    }

    @Test
    void stepDrawsDependOnlyOnSeedStepAndMicroBatch() {
        StepRandom.Draws a = StepRandom.draw(7, 100, 0, 16, 8, 1000, 0.1);
        StepRandom.Draws b = StepRandom.draw(7, 100, 0, 16, 8, 1000, 0.1);
        assertArrayEquals(a.timesteps(), b.timesteps());
        assertArrayEquals(a.noise(), b.noise(), 0f);
        assertFalse(Arrays.equals(a.timesteps(), StepRandom.draw(7, 101, 0, 16, 8, 1000, 0.1).timesteps()));
        assertFalse(Arrays.equals(a.timesteps(), StepRandom.draw(7, 100, 1, 16, 8, 1000, 0.1).timesteps()));
        assertFalse(Arrays.equals(a.timesteps(), StepRandom.draw(8, 100, 0, 16, 8, 1000, 0.1).timesteps()));
        for (int t : a.timesteps()) {
            assertTrue(t >= 0 && t < 1000);
        }
    }

    @Test
    void timestepShiftMovesTheDrawsTowardsHighNoise() {
        // shift 1 is the uniform draw, bit for bit (runs and checkpoints from before the option)
        StepRandom.Draws plain = StepRandom.draw(3, 40, 0, 64, 2, 1000, 0.1);
        StepRandom.Draws one = StepRandom.draw(3, 40, 0, 64, 2, 1000, 0.1, 1.0);
        assertArrayEquals(plain.timesteps(), one.timesteps());
        assertArrayEquals(plain.noise(), one.noise(), 0f);
        // the map: s u / (1 + (s - 1) u); u = 0.5 under s = 3 lands at 0.75
        assertEquals(750, StepRandom.shifted(0.5, 3, 1000));
        assertEquals(250, StepRandom.shifted(0.5, 1.0 / 3, 1000));
        assertEquals(0, StepRandom.shifted(0, 3, 1000));
        assertEquals(999, StepRandom.shifted(Math.nextDown(1.0), 3, 1000));
        // over many draws: the median timestep is T s / (1 + s) instead of T / 2
        int[] all = new int[200 * 64];
        for (int step = 0; step < 200; step++) {
            System.arraycopy(StepRandom.draw(3, step, 0, 64, 1, 1000, 0.1, 3.0).timesteps(), 0, all, step * 64, 64);
        }
        Arrays.sort(all);
        assertEquals(750, all[all.length / 2], 15, "median timestep under shift 3");
        assertTrue(all[0] >= 0 && all[all.length - 1] < 1000);
    }

    @Test
    void stratifiedTimestepsPutOneDrawInEachStratumOfTheBatch() {
        int batch = 64;
        // shift 1: image i's timestep lies in the i-th of 64 equal strata of [0, 1000)
        int[] t = StepRandom.draw(5, 9, 0, batch, 2, 1000, 0.1, 1.0, true).timesteps();
        for (int i = 0; i < batch; i++) {
            assertTrue(t[i] >= i * 1000 / batch && t[i] < (i + 1) * 1000 / batch + 1, i + ": " + t[i]);
        }
        // shift 2: the strata of u, mapped through the shift
        t = StepRandom.draw(5, 9, 0, batch, 2, 1000, 0.1, 2.0, true).timesteps();
        for (int i = 0; i < batch; i++) {
            assertTrue(t[i] >= StepRandom.shifted((double) i / batch, 2, 1000)
                    && t[i] <= StepRandom.shifted((double) (i + 1) / batch, 2, 1000), i + ": " + t[i]);
        }
        // the same labels dropped and the same noise as the independent draw: only the timesteps change
        StepRandom.Draws a = StepRandom.draw(5, 9, 0, batch, 2, 1000, 0.1, 2.0, false);
        StepRandom.Draws b = StepRandom.draw(5, 9, 0, batch, 2, 1000, 0.1, 2.0, true);
        assertArrayEquals(a.dropLabel(), b.dropLabel());
        assertArrayEquals(a.noise(), b.noise(), 0f);
        // the point of it: the batch's mean timestep hardly moves from step to step, and both draws centre on the same
        // expectation (T s / (1 + s) - ish: the shifted median is 667, the mean about 614)
        double[] independent = new double[300];
        double[] stratified = new double[300];
        for (int step = 0; step < 300; step++) {
            independent[step] = mean(StepRandom.draw(1, step, 0, batch, 1, 1000, 0.1, 2.0, false).timesteps());
            stratified[step] = mean(StepRandom.draw(1, step, 0, batch, 1, 1000, 0.1, 2.0, true).timesteps());
        }
        assertEquals(mean(independent), mean(stratified), 10, "the same expectation");
        assertTrue(std(stratified) < 0.1 * std(independent),
                "batch-mean timestep std: stratified " + std(stratified) + ", independent " + std(independent));
    }

    private static double mean(int[] x) {
        return Arrays.stream(x).average().orElseThrow();
    }

    private static double mean(double[] x) {
        return Arrays.stream(x).average().orElseThrow();
    }

    private static double std(double[] x) {
        double m = mean(x);
        return Math.sqrt(Arrays.stream(x).map(v -> (v - m) * (v - m)).sum() / x.length);
    }

    @Test
    void labelDropoutHitsItsRateAndNoiseIsStandardNormal() {
        int dropped = 0;
        int total = 0;
        double sum = 0;
        double sq = 0;
        for (int step = 0; step < 200; step++) {
            StepRandom.Draws d = StepRandom.draw(1, step, 0, 64, 4, 1000, 0.1);
            for (boolean x : d.dropLabel()) {
                dropped += x ? 1 : 0;
                total++;
            }
            for (float n : d.noise()) {
                sum += n;
                sq += n * n;
            }
        }
        double rate = (double) dropped / total;
        assertEquals(0.1, rate, 0.01, "label dropout rate");
        int n = total * 4;
        assertEquals(0, sum / n, 0.02);
        assertEquals(1, sq / n, 0.03);
        StepRandom.Draws none = StepRandom.draw(1, 5, 0, 64, 1, 1000, 0.0);
        for (boolean x : none.dropLabel()) {
            assertFalse(x);
        }
    }

    @Test
    void configDefaultsValidationAndJsonRoundTrip() {
        UNetConfig model = UNetConfig.preset("mnist-small");
        TrainConfig c = TrainConfig.builder(model, "mnist").steps(100).build().validate();
        assertEquals("cosine", c.lrDecay());
        assertEquals(10, c.warmupSteps(), "warm-up defaults to a tenth of a short run");
        assertEquals(200, TrainConfig.builder(model, "mnist").steps(10_000).build().warmupSteps());
        TrainConfig minutes = TrainConfig.builder(model, "mnist").maxMinutes(5).build().validate();
        assertEquals("cosine", minutes.lrDecay(), "a time-bounded run decays over its minutes");
        assertEquals(50, minutes.warmupSteps());

        TrainConfig back = TrainConfig.fromJson(c.toJson());
        assertEquals(c, back);
        assertEquals(0.99, c.adamBeta2(), 0, "short runs default to 0.99");
        TrainConfig beta = c.toBuilder().adamBeta2(0.999).build();
        assertEquals(0.999, TrainConfig.fromJson(beta.toJson()).adamBeta2(), 0);
        var oldCheckpoint = c.toJson();
        oldCheckpoint.remove("adam_beta2");
        assertEquals(0.999, TrainConfig.fromJson(oldCheckpoint).adamBeta2(), 0, "configs from before the option");
        assertEquals(2.0, c.timestepShift(), 0, "the default shifts the draws towards high noise");
        assertEquals(2.5, TrainConfig.fromJson(c.toBuilder().timestepShift(2.5).build().toJson()).timestepShift(), 0);
        oldCheckpoint.remove("timestep_shift");
        assertEquals(1.0, TrainConfig.fromJson(oldCheckpoint).timestepShift(), 0, "configs from before the option");
        assertTrue(c.stratifiedTimesteps(), "the default draws one timestep per stratum of the batch");
        TrainConfig strat = c.toBuilder().stratifiedTimesteps(!c.stratifiedTimesteps()).build();
        assertEquals(strat, TrainConfig.fromJson(strat.toJson()));
        oldCheckpoint.remove("stratified_timesteps");
        assertFalse(TrainConfig.fromJson(oldCheckpoint).stratifiedTimesteps(), "configs from before the option");
        assertEquals("muon", c.optimizer(), "the default updates the hidden layers with Muon");
        TrainConfig other = c.toBuilder().optimizer("adamw").build();
        assertEquals(other, TrainConfig.fromJson(other.toJson()));
        oldCheckpoint.remove("optimizer");
        assertEquals("adamw", TrainConfig.fromJson(oldCheckpoint).optimizer(), "configs from before the option");

        TrainConfig bad = TrainConfig.builder(model, "mnist").batchSize(0).lrDecay("cosine").objective("x0")
                .device("tpu").adamBeta2(0.5).timestepShift(0).optimizer("lion").build();
        var v = bad.violations();
        assertTrue(v.contains("batch_size: must be between 1 and 4096"), v.toString());
        assertTrue(v.contains("optimizer: must be one of adamw, muon"), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("steps: set steps or max_minutes")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("lr_decay: cosine decays over the run")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("objective: must be one of eps, v")), v.toString());
        assertTrue(v.stream().anyMatch(s -> s.startsWith("device:")), v.toString());
        assertTrue(v.contains("adam_beta2: must be in [0.9, 1)"), v.toString());
        assertTrue(v.contains("timestep_shift: must be in [0.1, 10] (1 = uniform timesteps)"), v.toString());
    }
}
