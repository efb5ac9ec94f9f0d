package dev.diffq.runtime.storage;

import java.nio.file.Path;

/**
 * A checkpoint on local disk: the files of {@code jobs/<jobId>/checkpoints/step-<step>/} (the manifest included)
 * under {@code dir}, with the same relative paths the training executor gave them when it saved.
 */
public record LocalCheckpoint(String jobId, long step, Path dir) {}
