package dev.diffq.engine;

/** Thrown by long-running engine work (sampling, training) when its cancel check reports true. */
public class CancelledException extends RuntimeException {

    public CancelledException(String message) {
        super(message);
    }
}
