package dev.diffq.engine.data;

/** A dataset that cannot be used as given; the message says what is wrong and how to fix it. */
public class DatasetException extends IllegalArgumentException {

    public DatasetException(String message) {
        super(message);
    }
}
