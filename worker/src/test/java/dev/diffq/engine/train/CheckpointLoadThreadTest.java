package dev.diffq.engine.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import dev.diffq.engine.data.NpmPackageCache;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker loads checkpoints for sampling on its own job thread, where PyTorch's grad mode is on (the default of
 * a thread DJL did not set up): copying the saved weights into the parameters must still work there.
 */
class CheckpointLoadThreadTest {

    @TempDir
    Path tmp;

    @Test
    void loadsOnAFreshThread() throws Exception {
        Path out = tmp.resolve("run");
        TrainResult r = new DiffusionTrainer(new NpmPackageCache(tmp.resolve("no-cache")), TinyDenoiser::new)
                .train(DiffusionTrainerTest.config(2).build(), DiffusionTrainerTest.dataset(10, 3), out, null);
        float[][] saved = DiffusionTrainerTest.arrays(r.checkpoint(), Checkpoint.EMA);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicReference<float[][]> loaded = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try (LoadedModel m = Checkpoint.load(out, true, Device.cpu(), TinyDenoiser::new)) {
                List<NDArray> params = m.block().getParameters().values().stream().map(p -> p.getArray()).toList();
                float[][] values = new float[params.size()][];
                for (int i = 0; i < values.length; i++) {
                    values[i] = params.get(i).toFloatArray();
                }
                loaded.set(values);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "fresh-job-thread");
        t.start();
        t.join();
        assertNull(failure.get(), () -> "loading on a fresh thread failed: " + failure.get());
        for (int i = 0; i < saved.length; i++) {
            assertArrayEquals(saved[i], loaded.get()[i], 0f);
        }
    }
}
