package dev.diffq.runtime.storage;

import java.util.List;

/**
 * {@code checkpoints/step-<n>/upload-manifest.json}: written after every other file of the checkpoint, so a checkpoint
 * with a manifest is complete. Readers check each file's size against it.
 */
public record CheckpointManifest(String jobId, long step, long createdMs, List<FileEntry> files) {
    public static final String FILE_NAME = "upload-manifest.json";

    /** One file of the checkpoint, by its path relative to the step folder ('/' separated). */
    public record FileEntry(String path, long size) {}
}
