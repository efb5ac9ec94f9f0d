package dev.diffq.coordinator.jobs;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;

import dev.diffq.proto.JobSpec;

/** Protobuf JSON with snake_case names. TEMPORARY: replaced by dev.diffq.contract.JobJson once merged. */
public final class ProtoJson {
    private ProtoJson() {}

    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().preservingProtoFieldNames()
            .omittingInsignificantWhitespace();

    public static String print(Message m) {
        try {
            return PRINTER.print(m);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @throws IllegalArgumentException with the parser's message when the body is not a JobSpec */
    public static JobSpec parseSpec(String json) {
        try {
            JobSpec.Builder b = JobSpec.newBuilder();
            JsonFormat.parser().merge(json, b);
            return b.build();
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
