package dev.diffq.deploy.cli;

/** An error to show a person, with the exit status the command ends with. */
public class CliException extends RuntimeException {
    /** The request or the job failed (rejected, unknown job, job ended FAILED or CANCELLED). */
    public static final int FAILED = 1;
    /** The command line itself is wrong. */
    public static final int USAGE = 2;
    /** The coordinator could not be reached. */
    public static final int UNREACHABLE = 3;

    private final int exitCode;

    public CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public CliException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public static CliException usage(String message) {
        return new CliException(message, USAGE);
    }

    public int exitCode() {
        return exitCode;
    }
}
