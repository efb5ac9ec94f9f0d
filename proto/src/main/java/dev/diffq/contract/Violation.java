package dev.diffq.contract;

import java.util.List;

/**
 * One broken rule of a job spec. {@code field} is the snake_case JSON path ({@code train.batch_size},
 * {@code sample.inpaint.mask}, {@code train.model.channel_mults[1]}); {@code rule} says in plain words
 * what the value must be. {@code tooLarge} marks a request that is well-formed but asks for more than
 * this installation allows: the HTTP API answers 413 for those instead of 400.
 */
public record Violation(String field, String rule, boolean tooLarge) {

    public Violation(String field, String rule) {
        this(field, rule, false);
    }

    /** {@code field: rule}, the form used in error messages. */
    public String message() {
        return field + ": " + rule;
    }

    /** The HTTP status for a rejected spec: 413 when any violation is {@code tooLarge}, else 400. */
    public static int httpStatus(List<Violation> violations) {
        return violations.stream().anyMatch(Violation::tooLarge) ? 413 : 400;
    }

    @Override
    public String toString() {
        return message();
    }
}
