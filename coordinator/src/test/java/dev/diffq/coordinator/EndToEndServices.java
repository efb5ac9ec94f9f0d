package dev.diffq.coordinator;

/**
 * The same in-process Kafka and S3 as {@link CoordinatorServices}, but a broker of its own: the end-to-end
 * tests run real workers that consume and commit requests, which the other test classes assume nobody does.
 */
public class EndToEndServices extends CoordinatorServices {
}
