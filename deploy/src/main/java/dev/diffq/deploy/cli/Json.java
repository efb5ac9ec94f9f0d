package dev.diffq.deploy.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import dev.diffq.contract.JobJson;

import java.util.List;
import java.util.Optional;

/**
 * Reading the coordinator's JSON answers that are not contract messages (job pages, artifact lists, upload
 * results, errors) through protobuf's Struct, so the CLI needs no JSON library beyond protobuf-java-util.
 */
final class Json {
    private Json() {}

    private static final JsonFormat.Printer COMPACT = JsonFormat.printer().omittingInsignificantWhitespace();

    /** A JSON object, or empty when the text is not one. */
    static Optional<Struct> object(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            Struct.Builder b = Struct.newBuilder();
            JsonFormat.parser().merge(text, b);
            return Optional.of(b.build());
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static String string(Struct s, String key) {
        Value v = s.getFieldsOrDefault(key, Value.getDefaultInstance());
        return switch (v.getKindCase()) {
            case STRING_VALUE -> v.getStringValue();
            case NUMBER_VALUE -> number(v.getNumberValue());
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            default -> "";
        };
    }

    /** A number that may be written as a JSON number or, as protobuf does for int64, a string. */
    static Optional<Double> number(Struct s, String key) {
        Value v = s.getFieldsOrDefault(key, Value.getDefaultInstance());
        if (v.hasNumberValue()) {
            return Optional.of(v.getNumberValue());
        }
        if (v.hasStringValue()) {
            try {
                return Optional.of(Double.parseDouble(v.getStringValue()));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    static Optional<Struct> object(Struct s, String key) {
        Value v = s.getFieldsOrDefault(key, Value.getDefaultInstance());
        return v.hasStructValue() ? Optional.of(v.getStructValue()) : Optional.empty();
    }

    static List<Value> list(Struct s, String key) {
        Value v = s.getFieldsOrDefault(key, Value.getDefaultInstance());
        return v.hasListValue() ? v.getListValue().getValuesList() : List.of();
    }

    static String print(Value v) {
        try {
            return COMPACT.print(v);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException(e);
        }
    }

    static String print(Struct s) {
        return print(Value.newBuilder().setStructValue(s).build());
    }

    /** A JSON string literal. */
    static String quote(String text) {
        return print(Value.newBuilder().setStringValue(text).build());
    }

    static String array(List<String> jsonElements) {
        return "[" + String.join(",", jsonElements) + "]";
    }

    /** Reads a JSON object into a contract message, ignoring fields this version does not know. */
    static <B extends Message.Builder> B message(Struct s, B builder) {
        try {
            return JobJson.mergeLenient(print(s), builder);
        } catch (JobJson.InvalidJsonException e) {
            throw new CliException("the coordinator sent a " + builder.getDescriptorForType().getName()
                    + " this client cannot read: " + e.violation().rule(), CliException.FAILED, e);
        }
    }

    static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
