package dev.diffq.contract;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import dev.diffq.proto.JobSpec;

/**
 * The JSON form of the contracts (docs/API.md): protobuf's JSON mapping with snake_case names and enums
 * as names. Input accepts snake_case and lowerCamel names alike.
 *
 * <p>A job spec submitted by a person is parsed strictly: an unknown field is an error, so that a typo
 * ({@code "batchsize"}) cannot silently become a default. Everything a program reads back (records,
 * events, stored specs) is parsed leniently with {@link #mergeLenient}: unknown fields are ignored, so
 * older readers accept what newer writers add (see proto/EVOLUTION.md).
 */
public final class JobJson {
    private JobJson() {}

    private static final JsonFormat.Parser STRICT = JsonFormat.parser();
    private static final JsonFormat.Parser LENIENT = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer COMPACT = JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final JsonFormat.Printer PRETTY = JsonFormat.printer().preservingProtoFieldNames();

    /** A body that is not a valid message; {@link #violation()} has field {@code body} and the parser's message. */
    public static final class InvalidJsonException extends Exception {
        private final Violation violation;

        public InvalidJsonException(String message, Throwable cause) {
            super("body: " + message, cause);
            this.violation = new Violation("body", message);
        }

        public Violation violation() {
            return violation;
        }
    }

    /** Parses a submitted job spec strictly (unknown fields are errors). */
    public static JobSpec parseSpec(String json) throws InvalidJsonException {
        return merge(json, JobSpec.newBuilder(), STRICT).build();
    }

    /** Parses any message strictly into {@code builder}. */
    public static <B extends Message.Builder> B merge(String json, B builder) throws InvalidJsonException {
        return merge(json, builder, STRICT);
    }

    /** Parses any message into {@code builder}, ignoring fields this version does not know. */
    public static <B extends Message.Builder> B mergeLenient(String json, B builder) throws InvalidJsonException {
        return merge(json, builder, LENIENT);
    }

    /** One line of JSON: snake_case names, enums as names, fields left at their default omitted. */
    public static String print(MessageOrBuilder message) {
        return print(message, COMPACT);
    }

    /** Indented JSON for people (spec.json in the bucket, the CLI's --json output). */
    public static String pretty(MessageOrBuilder message) {
        return print(message, PRETTY);
    }

    private static <B extends Message.Builder> B merge(String json, B builder, JsonFormat.Parser parser) throws InvalidJsonException {
        if (json == null || json.isBlank()) {
            throw new InvalidJsonException("is empty: expected a JSON object", null);
        }
        try {
            parser.merge(json, builder);
            return builder;
        } catch (InvalidProtocolBufferException | RuntimeException e) {
            // JsonFormat throws IllegalArgumentException-like runtime errors for some malformed input too
            String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InvalidJsonException(message, e);
        }
    }

    private static String print(MessageOrBuilder message, JsonFormat.Printer printer) {
        try {
            return printer.print(message);
        } catch (InvalidProtocolBufferException e) {
            // only Any with an unknown type fails to print; the contracts use no Any
            throw new IllegalStateException("cannot print " + message.getClass().getSimpleName() + " as JSON", e);
        }
    }
}
