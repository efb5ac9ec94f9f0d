package dev.diffq.runtime.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Checkpoints of training jobs downloaded for sampling, kept on local disk and reused by later sampling
 * jobs (a model is sampled many times: one shard after another). Bounded: the least recently used
 * checkpoint is deleted when a new one would exceed the capacity. A checkpoint handed out must be treated
 * as read-only; it stays valid until {@code capacity} other checkpoints have been fetched after it.
 */
public final class CheckpointCache {
    private final CheckpointStore checkpoints;
    private final Path dir;
    private final int capacity;
    private final LinkedHashMap<String, LocalCheckpoint> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long hits;
    private long misses;

    public CheckpointCache(CheckpointStore checkpoints, Path dir, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("checkpoint cache capacity must be >= 1, got " + capacity);
        }
        this.checkpoints = checkpoints;
        this.dir = dir;
        this.capacity = capacity;
    }

    /**
     * The checkpoint of {@code jobId} at {@code step}, or at the step latest.json names when {@code step} is
     * empty; downloaded on a miss.
     * @throws FileNotFoundException when the job has no such (complete) checkpoint
     */
    public synchronized LocalCheckpoint get(String jobId, OptionalLong step) throws IOException {
        long s;
        if (step.isPresent()) {
            s = step.getAsLong();
        } else {
            s = checkpoints.latest(jobId).orElseThrow(() -> new FileNotFoundException(
                    "job " + jobId + " has no checkpoint (no checkpoints/latest.json)")).step();
        }
        String key = jobId + "@" + s;
        LocalCheckpoint cached = entries.get(key);
        if (cached != null && Files.isDirectory(cached.dir())) {
            hits++;
            return cached;
        }
        misses++;
        Path target = dir.resolve(safe(jobId)).resolve("step-" + s);
        Path partial = dir.resolve(safe(jobId)).resolve(".partial-step-" + s);
        deleteTree(partial);
        deleteTree(target);
        checkpoints.download(jobId, s, partial);
        Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        LocalCheckpoint local = new LocalCheckpoint(jobId, s, target);
        entries.put(key, local);
        evict();
        return local;
    }

    public synchronized int size() {
        return entries.size();
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    private void evict() {
        Iterator<Map.Entry<String, LocalCheckpoint>> it = entries.entrySet().iterator();
        while (entries.size() > capacity && it.hasNext()) {
            LocalCheckpoint old = it.next().getValue();
            it.remove();
            try {
                deleteTree(old.dir());
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete cached checkpoint " + old.dir(), e);
            }
        }
    }

    private static String safe(String jobId) {
        return jobId.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
