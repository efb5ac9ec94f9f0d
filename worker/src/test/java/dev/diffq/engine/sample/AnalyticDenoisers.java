package dev.diffq.engine.sample;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.util.concurrent.atomic.AtomicInteger;

/** Denoisers whose exact answer is known: the tests' stand-in for a trained model. */
final class AnalyticDenoisers {

    private AnalyticDenoisers() {
    }

    /**
     * The exact prediction when the data is a point mass at a per-class image: label k -> targets[k]
     * (C*H*W floats; the last row is the null class). eps = (x_t - a x*) / s, or v for Objective.V.
     */
    static Denoiser pointMass(NoiseSchedule s, Objective objective, float[][] targets, Shape imageShape) {
        return (xt, t, labels) -> {
            long[] ls = labels.toLongArray();
            int per = (int) imageShape.size();
            float[] flat = new float[ls.length * per];
            for (int i = 0; i < ls.length; i++) {
                System.arraycopy(targets[(int) ls[i]], 0, flat, i * per, per);
            }
            NDArray xStar = xt.getManager().create(flat, xt.getShape());
            NDArray ab = broadcast(s.alphaBarAt(t), xt);
            NDArray eps = xt.sub(ab.sqrt().mul(xStar)).div(ab.neg().add(1f).sqrt());
            return objective.fromEps(s, xt, eps, t);
        };
    }

    /**
     * The exact prediction when every pixel is independently N(mu, sd^2): x_t ~ N(a mu, a^2 sd^2 + s^2),
     * E[eps | x_t] = s (x_t - a mu) / (a^2 sd^2 + s^2). Labels are ignored.
     */
    static Denoiser gaussian(NoiseSchedule s, Objective objective, double mu, double sd) {
        return (xt, t, labels) -> {
            NDArray ab = broadcast(s.alphaBarAt(t), xt);
            NDArray a = ab.sqrt();
            NDArray oneMinus = ab.neg().add(1f);
            NDArray eps = xt.sub(a.mul((float) mu)).mul(oneMinus.sqrt()).div(ab.mul((float) (sd * sd)).add(oneMinus));
            return objective.fromEps(s, xt, eps, t);
        };
    }

    /** Counts calls and remembers the last batch size. */
    static final class Counting implements Denoiser {
        final Denoiser inner;
        final AtomicInteger calls = new AtomicInteger();
        volatile long lastBatch;

        Counting(Denoiser inner) {
            this.inner = inner;
        }

        @Override
        public NDArray predict(NDArray xt, NDArray t, NDArray labels) {
            calls.incrementAndGet();
            lastBatch = xt.getShape().get(0);
            return inner.predict(xt, t, labels);
        }
    }

    static NDArray broadcast(NDArray perSample, NDArray like) {
        return NoiseSchedule.broadcastable(perSample, like);
    }
}
