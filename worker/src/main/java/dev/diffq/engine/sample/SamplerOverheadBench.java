package dev.diffq.engine.sample;

import ai.djl.ndarray.NDManager;
import dev.diffq.engine.schedule.NoiseSchedule;
import dev.diffq.engine.schedule.Objective;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Measures what sampling costs besides the model: per-step time of each sampler with a trivial
 * denoiser (the loop, guidance batching, noise generation in Java, x0 clipping) and the whole
 * pipeline including PNG writing. Prints numbers; compare ratios within one run.
 *
 * <p>Usage: SamplerOverheadBench [batch=64] [size=28] [channels=1] [steps=50]
 */
public final class SamplerOverheadBench {

    private SamplerOverheadBench() {
    }

    public static void main(String[] args) throws Exception {
        int batch = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 28;
        int channels = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 50;
        NoiseSchedule schedule = NoiseSchedule.create("cosine", 1000);
        Denoiser trivial = (xt, t, labels) -> xt.mul(0.1f);
        Path out = Files.createTempDirectory("diffq-bench");
        System.out.printf("batch %d, %dx%dx%d, %d steps, guidance 3 (2x batch per forward)%n", batch, channels, size, size, steps);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (SamplerKind kind : SamplerKind.values()) {
                SampleRequest req = SampleRequest.builder().sampler(kind).steps(steps).eta(kind == SamplerKind.DDIM ? 1.0 : 0)
                        .classes(List.of(0)).perClass(batch).batchSize(batch).guidance(3).seed(1).build();
                SamplingPipeline p = new SamplingPipeline(trivial, schedule, Objective.EPS, 10, channels, size);
                p.run(req, out, manager, null, null); // warm-up
                long t0 = System.nanoTime();
                SampleResult r = p.run(req, out, manager, null, null);
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf("%-9s total %8.1f ms  per step %6.2f ms  (%d forwards, %d PNGs + grid)%n",
                        kind.wireName(), ms, ms / steps, r.modelEvaluations(), r.images().size());
            }
            NoiseSource noise = new NoiseSource(1);
            long t0 = System.nanoTime();
            int reps = 20;
            for (int i = 0; i < reps; i++) {
                long[] idx = new long[batch];
                for (int j = 0; j < batch; j++) {
                    idx[j] = j;
                }
                try (NDManager m = manager.newSubManager()) {
                    noise.batch(m, idx, i, new ai.djl.ndarray.types.Shape(channels, size, size));
                }
            }
            System.out.printf("noise     %6.2f ms per batch of %d images%n", (System.nanoTime() - t0) / 1e6 / reps, batch);
        }
    }
}
