package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.diffq.engine.schedule.NoiseSchedule;

import java.util.function.Supplier;

/**
 * DPM-Solver++(2M) (Lu et al. 2022): a second-order multistep solver of the probability flow ODE in
 * data-prediction form, in lambda = log(alpha / sigma). With h = lambda' - lambda:
 * first order (also DDIM): x' = (sigma'/sigma) x - alpha' (e^-h - 1) x0;
 * second order: the same with D = (1 + 1/(2r)) x0 - 1/(2r) x0_prev, r = h_prev / h.
 * The first step is first order, and the last (to clean data, sigma' = 0) returns the estimate x0, as
 * DPM-Solver's "lower order final" does: good for 10-25 steps.
 */
public final class DpmSolverPlusPlus2M implements Sampler {

    private final NoiseSchedule schedule;
    private NDManager keep;
    private NDArray previousX0;
    private double previousLambda;

    public DpmSolverPlusPlus2M(NoiseSchedule schedule) {
        this.schedule = schedule;
    }

    @Override
    public String name() {
        return "dpmpp-2m";
    }

    @Override
    public NoiseSchedule schedule() {
        return schedule;
    }

    @Override
    public void reset(NDManager keep) {
        forget();
        this.keep = keep;
    }

    private void forget() {
        if (previousX0 != null && !previousX0.isReleased()) {
            previousX0.close();
        }
        previousX0 = null;
    }

    private double lambda(int t) {
        double ab = alphaBar(t);
        return 0.5 * Math.log(ab / (1 - ab));
    }

    @Override
    public NDArray step(NDArray xt, int t, int tPrev, Prediction pred, Supplier<NDArray> noise) {
        if (tPrev == CLEAN) {
            forget();
            return pred.x0().duplicate();
        }
        double ab = alphaBar(t), abPrev = alphaBar(tPrev);
        double sigma = Math.sqrt(1 - ab), sigmaPrev = Math.sqrt(1 - abPrev), alphaPrev = Math.sqrt(abPrev);
        double lambdaT = lambda(t), lambdaPrev = lambda(tPrev);
        double h = lambdaPrev - lambdaT;
        NDArray d;
        if (previousX0 == null) {
            d = pred.x0();
        } else {
            double r = (lambdaT - previousLambda) / h;
            // (1 + 1/(2r)) x0 - 1/(2r) x0_prev, written so results stay in the step's scope.
            d = pred.x0().add(pred.x0().sub(previousX0).mul((float) (1 / (2 * r))));
        }
        NDArray next = xt.mul((float) (sigmaPrev / sigma)).sub(d.mul((float) (alphaPrev * Math.expm1(-h))));
        // Keep this step's estimate for the next one, beyond the caller's step scope.
        forget();
        previousX0 = pred.x0().duplicate();
        if (keep != null) {
            previousX0.attach(keep);
        }
        previousLambda = lambdaT;
        return next;
    }
}
