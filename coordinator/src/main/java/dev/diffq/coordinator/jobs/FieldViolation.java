package dev.diffq.coordinator.jobs;

/** One broken rule of a request: {@code field} is the snake_case path (e.g. train.batch_size). */
public record FieldViolation(String field, String rule) {}
