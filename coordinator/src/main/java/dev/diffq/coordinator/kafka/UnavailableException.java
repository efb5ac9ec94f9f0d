package dev.diffq.coordinator.kafka;

/** Kafka or S3 could not be reached; the API answers 503 and nothing was recorded. */
public class UnavailableException extends RuntimeException {
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
