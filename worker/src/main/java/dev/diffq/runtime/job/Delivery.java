package dev.diffq.runtime.job;

/** One request record as it came off Kafka, kept raw so a poison request reaches the DLQ byte for byte. */
public record Delivery(String topic, int partition, long offset, String key, byte[] value) {
    public String where() {
        return topic + "-" + partition + "@" + offset;
    }
}
