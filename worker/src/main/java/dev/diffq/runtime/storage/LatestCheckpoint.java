package dev.diffq.runtime.storage;

/** {@code checkpoints/latest.json}: points at the newest complete checkpoint of a job. */
public record LatestCheckpoint(long step, String prefix, long timeMs) {}
