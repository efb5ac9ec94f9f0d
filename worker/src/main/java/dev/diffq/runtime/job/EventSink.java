package dev.diffq.runtime.job;

import java.io.IOException;

import dev.diffq.proto.JobEvent;

/** Where job events and dead letters go (Kafka in the worker; implemented by runtime.kafka.EventPublisher). */
public interface EventSink {
    /** Sends without waiting; events of one job keep their order (same key, same partition). */
    void send(JobEvent event);

    /** Sends and waits until the broker has it (and everything sent before it for the job). */
    void sendAndWait(JobEvent event) throws IOException;

    /** Puts the request on the dead-letter topic with the reason and attempt count as headers, and waits. */
    void deadLetter(Delivery delivery, String reason, int attempts) throws IOException;
}
