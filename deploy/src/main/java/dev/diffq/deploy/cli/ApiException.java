package dev.diffq.deploy.cli;

import dev.diffq.contract.Violation;

import java.util.List;

/** The coordinator answered with an error status (docs/API.md, "Errors"). */
public final class ApiException extends CliException {
    private final int status;
    private final String error;
    private final String serverMessage;
    private final List<Violation> violations;

    public ApiException(String message, int status, String error, String serverMessage, List<Violation> violations) {
        super(message, CliException.FAILED);
        this.status = status;
        this.error = error;
        this.serverMessage = serverMessage;
        this.violations = List.copyOf(violations);
    }

    public int status() {
        return status;
    }

    /** The {@code error} code of the body ({@code invalid_request}, {@code not_found}, ...), or "" when the body had none. */
    public String error() {
        return error;
    }

    public String serverMessage() {
        return serverMessage;
    }

    public List<Violation> violations() {
        return violations;
    }
}
