package dev.diffq.coordinator.api;

import java.util.List;

import dev.diffq.contract.Violation;

/** An error answer of docs/API.md: status, error code, message and (for 400/413) the violations. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String error;
    private final List<Violation> violations;

    public ApiException(int status, String error, String message, List<Violation> violations) {
        super(message);
        this.status = status;
        this.error = error;
        this.violations = violations;
    }

    public static ApiException invalid(List<Violation> violations) {
        return new ApiException(400, "invalid_request", summary(violations), violations);
    }

    /** A rejected spec: 413 when a violation is "too large", else 400; every violation listed either way. */
    public static ApiException rejected(List<Violation> violations) {
        return Violation.httpStatus(violations) == 413
                ? new ApiException(413, "too_large", summary(violations), violations)
                : invalid(violations);
    }

    public static ApiException invalid(String field, String rule) {
        return invalid(List.of(new Violation(field, rule)));
    }

    public static ApiException tooLarge(String field, String rule) {
        List<Violation> v = List.of(new Violation(field, rule));
        return new ApiException(413, "too_large", summary(v), v);
    }

    public static ApiException notFound(String what) {
        return new ApiException(404, "not_found", what, List.of());
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, "conflict", message, List.of());
    }

    private static String summary(List<Violation> violations) {
        return String.join("; ", violations.stream().map(v -> v.field() + ": " + v.rule()).toList());
    }

    public int status() {
        return status;
    }

    public String error() {
        return error;
    }

    public List<Violation> violations() {
        return violations;
    }
}
