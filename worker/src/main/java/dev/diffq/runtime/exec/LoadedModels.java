package dev.diffq.runtime.exec;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.diffq.engine.train.LoadedModel;

/**
 * A bounded LRU of models loaded from checkpoints, so a worker serving many shards of the same job loads the
 * weights once. Used from the one sampling thread of a worker.
 */
final class LoadedModels {
    interface Loader {
        LoadedModel load() throws Exception;
    }

    private final int capacity;
    private final LinkedHashMap<String, LoadedModel> models = new LinkedHashMap<>(4, 0.75f, true);

    LoadedModels(int capacity) {
        this.capacity = Math.max(1, capacity);
    }

    synchronized LoadedModel get(Path dir, boolean ema, Loader loader) throws Exception {
        String key = dir.toAbsolutePath().normalize() + (ema ? "#ema" : "#raw");
        LoadedModel m = models.get(key);
        if (m == null) {
            m = loader.load();
            models.put(key, m);
            while (models.size() > capacity) {
                Map.Entry<String, LoadedModel> eldest = models.entrySet().iterator().next();
                models.remove(eldest.getKey());
                eldest.getValue().close();
            }
        }
        return m;
    }
}
