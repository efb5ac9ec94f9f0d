package dev.diffq.runtime.storage;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import dev.diffq.contract.ObjectKeys;

/**
 * Checkpoints in the bucket: {@code jobs/<id>/checkpoints/step-<n>/...} plus {@code latest.json}.
 * Upload order makes a checkpoint visible only when complete: every file (the engine's own manifest.json among them), then {@code upload-manifest.json},
 * then {@code latest.json}. A crash part-way leaves a step folder without a manifest, which readers ignore.
 */
public final class CheckpointStore {
    private final ObjectStore store;

    public CheckpointStore(ObjectStore store) {
        this.store = store;
    }

    /**
     * Uploads the files under {@code dir} as checkpoint {@code step} of {@code jobId} and points latest.json
     * at it (unless latest.json already points at a newer step).
     * @return the manifest written
     */
    public CheckpointManifest upload(String jobId, long step, Path dir) throws IOException {
        if (step < 0) {
            throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        }
        if (!Files.isDirectory(dir)) {
            throw new FileNotFoundException("checkpoint folder does not exist: " + dir);
        }
        String prefix = ObjectKeys.checkpointPrefix(jobId, step);
        List<CheckpointManifest.FileEntry> entries = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path file : files) {
            String rel = dir.relativize(file).toString().replace('\\', '/');
            if (rel.equals(CheckpointManifest.FILE_NAME)) {
                continue; // the manifest is ours, written last
            }
            store.putFile(prefix + rel, file, "application/octet-stream");
            entries.add(new CheckpointManifest.FileEntry(rel, Files.size(file)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("checkpoint folder is empty: " + dir);
        }
        CheckpointManifest manifest = new CheckpointManifest(jobId, step, System.currentTimeMillis(), entries);
        store.putJson(prefix + CheckpointManifest.FILE_NAME, manifest);
        Optional<LatestCheckpoint> current = latest(jobId);
        if (current.isEmpty() || current.get().step() <= step) {
            store.putJson(ObjectKeys.latestCheckpoint(jobId), new LatestCheckpoint(step, prefix, manifest.createdMs()));
        }
        return manifest;
    }

    /** What latest.json says, or empty when the job has no checkpoint yet. */
    public Optional<LatestCheckpoint> latest(String jobId) throws IOException {
        return store.getJson(ObjectKeys.latestCheckpoint(jobId), LatestCheckpoint.class);
    }

    /** The manifest of one step, or empty when that step is missing or incomplete. */
    public Optional<CheckpointManifest> manifest(String jobId, long step) throws IOException {
        return store.getJson(ObjectKeys.checkpointPrefix(jobId, step) + CheckpointManifest.FILE_NAME,
                CheckpointManifest.class);
    }

    /**
     * Downloads checkpoint {@code step} of {@code jobId} into {@code target} (created; must be empty or absent)
     * and checks every file's size against the manifest.
     * @throws FileNotFoundException when the step has no manifest (missing or incomplete)
     */
    public LocalCheckpoint download(String jobId, long step, Path target) throws IOException {
        CheckpointManifest manifest = manifest(jobId, step).orElseThrow(() -> new FileNotFoundException(
                "job " + jobId + " has no complete checkpoint at step " + step));
        String prefix = ObjectKeys.checkpointPrefix(jobId, step);
        Files.createDirectories(target);
        for (CheckpointManifest.FileEntry f : manifest.files()) {
            Path local = target.resolve(f.path()).normalize();
            if (!local.startsWith(target.normalize())) {
                throw new IOException("checkpoint file path escapes the folder: " + f.path());
            }
            store.download(prefix + f.path(), local);
            long size = Files.size(local);
            if (size != f.size()) {
                throw new IOException("checkpoint file " + prefix + f.path() + " has " + size
                        + " bytes, the manifest says " + f.size());
            }
        }
        store.download(prefix + CheckpointManifest.FILE_NAME, target.resolve(CheckpointManifest.FILE_NAME));
        return new LocalCheckpoint(jobId, step, target);
    }

    /** Downloads the checkpoint latest.json points at, or returns empty when there is none. */
    public Optional<LocalCheckpoint> downloadLatest(String jobId, Path target) throws IOException {
        Optional<LatestCheckpoint> latest = latest(jobId);
        if (latest.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(download(jobId, latest.get().step(), target));
    }
}
